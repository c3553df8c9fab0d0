"""dcmcore inside pydicom: unchanged pydicom code decodes and encodes pixel data with dcmcore.

:func:`install_pydicom_plugins` adds dcmcore, labelled ``"dcmcore"``, first
in order, to pydicom 3's decoder of every encapsulated transfer syntax that
both pydicom and a usable dcmcore decoder know, and to pydicom's encoder of
every syntax a usable dcmcore encoder encodes. From then on
``ds.pixel_array``, ``ds.decompress()``, ``pydicom.pixels.pixel_array``,
``iter_pixels`` and ``ds.compress()`` run dcmcore's codecs (pydicom still
reads natively encoded pixel data itself: it has no plugins for those).
:func:`uninstall_pydicom_plugins` takes it out again.
"""

from __future__ import annotations

import threading
from typing import Any

from pydicom.uid import UID

from dcmcore import plugins
from dcmcore.plugins.registry import DECODER_GROUP, ENCODER_GROUP
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

__all__ = ["LABEL", "install_pydicom_plugins", "uninstall_pydicom_plugins", "installed_pydicom_plugins"]

#: The label dcmcore has among pydicom's plugins (``decoding_plugin="dcmcore"``).
LABEL = "dcmcore"
_DECODER = ("dcmcore.pydicom_plugin.decoder", "decode_frame")
_ENCODER = ("dcmcore.pydicom_plugin.encoder", "encode_frame")
_lock = threading.Lock()
_installed: dict[str, list[UID]] = {"decoders": [], "encoders": []}


def _coder(uid: UID, decoding: bool) -> Any:
    """pydicom's Decoder or Encoder for `uid`, or None when pydicom has none."""
    from pydicom.pixels import get_decoder, get_encoder

    try:
        return (get_decoder if decoding else get_encoder)(uid)
    except (NotImplementedError, ValueError, KeyError):
        return None


def _put_first(coder: Any, import_path: tuple[str, str]) -> bool:
    """Add dcmcore to `coder` and move it before the plugins already there.

    pydicom tries plugins in the order they were added and has no public call
    to change it, so the order of its private ``_available`` mapping is
    rewritten; without that mapping dcmcore stays last but is still added.
    """
    if LABEL in coder.available_plugins:
        return False
    coder.add_plugin(LABEL, import_path)
    if LABEL not in coder.available_plugins:
        coder.remove_plugin(LABEL)
        return False
    table = getattr(coder, "_available", None)
    if isinstance(table, dict):
        ours = table.pop(LABEL)
        others = dict(table)
        table.clear()
        table[LABEL] = ours
        table.update(others)
    return True


def install_pydicom_plugins() -> dict[str, list[UID]]:
    """Make pydicom decode and encode pixel data with dcmcore, before its own plugins.

    Returns
    -------
    dict
        ``{"decoders": [...], "encoders": [...]}``: the transfer syntaxes
        dcmcore now serves in pydicom (calling again adds none twice).
    """
    with _lock:
        for key, group, decoding, path in (
            ("decoders", DECODER_GROUP, True, _DECODER),
            ("encoders", ENCODER_GROUP, False, _ENCODER),
        ):
            infos = plugins.decoders if decoding else plugins.encoders
            for uid in map(UID, plugins.known_uids(group)):
                if uid in NATIVE_TRANSFER_SYNTAXES or uid in _installed[key]:
                    continue
                if not any(info.available for info in infos(uid)):
                    continue
                coder = _coder(uid, decoding)
                if coder is not None and _put_first(coder, path):
                    _installed[key].append(uid)
        return {k: list(v) for k, v in _installed.items()}


def uninstall_pydicom_plugins() -> None:
    """Take dcmcore out of pydicom's decoders and encoders again (their own order is kept)."""
    with _lock:
        for key, decoding in (("decoders", True), ("encoders", False)):
            for uid in _installed[key]:
                coder = _coder(uid, decoding)
                if coder is not None and LABEL in coder.available_plugins:
                    coder.remove_plugin(LABEL)
            _installed[key].clear()


def installed_pydicom_plugins() -> dict[str, list[UID]]:
    """The transfer syntaxes dcmcore serves in pydicom now."""
    with _lock:
        return {k: list(v) for k, v in _installed.items()}
