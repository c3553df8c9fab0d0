"""Replay one input through a target in this process and say what happened."""

from __future__ import annotations

import warnings

from fuzz.outcome import classify, origin
from fuzz.targets import load, only_checkout_plugins

__all__ = ["replay"]


def replay(name: str, data: bytes) -> str:
    """``"ok"``, ``"expected: <exception>"``, ``"escaped: <Type @ where>"`` or ``"finding: <Type @ where>: <message>"``.

    Restricts the codec plugins to this checkout's for the rest of the process
    (:func:`fuzz.targets.only_checkout_plugins`): run it in a process of its own.
    """
    only_checkout_plugins()
    target = load(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            target.run(data)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            kind = classify(exc)
            if kind == "expected":
                return f"expected: {type(exc).__name__}"
            if kind == "escaped":
                return f"escaped: {origin(exc)}"
            return f"finding: {origin(exc)}: {str(exc)[:300]}"
    return "ok"
