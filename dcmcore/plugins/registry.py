"""Plugin discovery: entry points scanned lazily, plus plugins registered at run time.

Entry points are listed (not loaded) on first use; only the plugins of the
transfer syntax being decoded are loaded, each under ``try/except Exception``,
so a broken plugin is reported and skipped instead of breaking ``import dcmcore``.
Plugins are keyed by (UID, distribution, label): two distributions can serve
the same UID side by side.
"""

from __future__ import annotations

import dataclasses
import inspect
import threading
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from dcmcore.plugins.base import DECODER_MEMBERS, ENCODER_MEMBERS, PLUGIN_API

__all__ = [
    "DECODER_GROUP",
    "ENCODER_GROUP",
    "PluginInfo",
    "plugin_infos",
    "register",
    "unregister",
    "known_uids",
    "overriding",
    "unannounced_overrides",
    "refresh",
]

DECODER_GROUP = "dcmcore.decoders"
ENCODER_GROUP = "dcmcore.encoders"
#: The attributes every plugin must have (the members of the protocols in
#: :mod:`dcmcore.plugins.base`); ``missing_dependencies(uid)`` and
#: ``api_version`` are optional (absent: :data:`PLUGIN_API`).
_REQUIRED = {DECODER_GROUP: DECODER_MEMBERS, ENCODER_GROUP: ENCODER_MEMBERS}
#: The distribution of dcmcore's own codecs, and the label they carry.
BUILTIN_DISTRIBUTION = "dcmcore"
BUILTIN_LABEL = "dcmcore"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin for one transfer syntax, as the dispatcher sees it.

    Attributes
    ----------
    uid : str
        The Transfer Syntax UID.
    label : str
        The plugin's label (the entry point value when it could not be loaded).
    priority : int
        Lower is tried first.
    available : bool
        Loaded, and its dependencies are importable.
    reason : str
        Why it is unavailable or broken ("" when available).
    source : str
        ``"<distribution> <version>"`` or ``"registered at run time"``.
    broken : bool
        The entry point could not be loaded or the object breaks the contract.
    plugin : object or None
        The plugin object (None when broken).
    """

    uid: str
    label: str
    priority: int
    available: bool
    reason: str
    source: str
    broken: bool = False
    plugin: Any = field(default=None, repr=False, compare=False)
    entry_point: str = ""

    @property
    def builtin(self) -> bool:
        """One of dcmcore's own codecs (from dcmcore's own distribution)."""
        return self.label == BUILTIN_LABEL and self.source.startswith(BUILTIN_DISTRIBUTION + " ")


_lock = threading.RLock()
_scanned: dict[str, dict[str, list[tuple[EntryPoint, str]]]] = {}
_loaded: dict[tuple[str, str, str, str], tuple[Any, str]] = {}
_runtime: dict[str, dict[str, list[Any]]] = {DECODER_GROUP: {}, ENCODER_GROUP: {}}
#: plugin_infos results per (group, uid); cleared whenever registrations change
_infos: dict[tuple[str, str], list[PluginInfo]] = {}
#: (group, uid, label, source) of the overrides of dcmcore's own codecs already announced
_announced: set[tuple[str, str, str, str]] = set()


def _scan(group: str) -> dict[str, list[tuple[EntryPoint, str]]]:
    """Entry points of `group` by UID, each with its "<distribution> <version>" label."""
    with _lock:
        if group not in _scanned:
            by_uid: dict[str, list[tuple[EntryPoint, str]]] = {}
            try:
                eps = entry_points(group=group)
            except Exception:  # corrupt metadata of some distribution
                eps = []
            seen = set()
            for ep in eps:
                dist = getattr(ep, "dist", None)
                key = (ep.name, ep.value, getattr(dist, "name", ""))
                if key in seen:  # the same distribution found twice on sys.path
                    continue
                seen.add(key)
                by_uid.setdefault(ep.name.strip(), []).append((ep, _dist_label(ep)))
            _scanned[group] = by_uid
        return _scanned[group]


def _dist_label(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "unknown distribution"
    try:
        return f"{dist.name} {dist.version}"
    except Exception:  # unreadable metadata
        return "unknown distribution"


def _check_contract(obj: Any, group: str) -> str:
    """Why `obj` is no plugin of `group` ("" when it is one)."""
    try:
        missing = [name for name in _REQUIRED[group] if not hasattr(obj, name)]
        if missing:
            return f"the object lacks {', '.join(missing)}"
        version = getattr(obj, "api_version", PLUGIN_API)
        if version != PLUGIN_API:
            return f"it implements plugin API version {version!r}, dcmcore {PLUGIN_API} is needed"
        label = obj.label
        if not isinstance(label, str) or not label.strip():
            return f"its label must be a non-empty str, not {label!r}"
        priority = obj.priority
        if isinstance(priority, bool) or not isinstance(priority, int):
            return f"its priority must be an int, not {priority!r}"
        for name in _REQUIRED[group][2:]:
            if not callable(getattr(obj, name)):
                return f"its {name} is not callable"
    except Exception as exc:  # a property that raises, say
        return f"reading its attributes raised {type(exc).__name__}: {exc}"
    return ""


def _takes_uid(method: Any) -> bool:
    """Whether ``is_available`` takes the UID (the contract) or nothing (the minimal form)."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return True
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in signature.parameters.values()
    )


def _unavailable_reasons(obj: Any, uid: str) -> list[str]:
    """Why `obj` cannot serve `uid` here: its own reasons, or its ``is_available`` answer."""
    check = getattr(obj, "missing_dependencies", None)
    if check is not None:
        return [str(r) for r in check(uid)]
    available = obj.is_available(uid) if _takes_uid(obj.is_available) else obj.is_available()
    return [] if available else ["its is_available() check returned False (its dependencies are missing)"]


def _load(group: str, uid: str, ep: EntryPoint, dist: str) -> tuple[Any, str]:
    key = (group, uid, ep.value, dist)
    with _lock:
        if key not in _loaded:
            try:
                obj = ep.load()
            except Exception as exc:  # any failure of a third-party import is reported, not raised
                _loaded[key] = (None, f"cannot load {ep.value!r}: {type(exc).__name__}: {exc}")
            else:
                problem = _check_contract(obj, group)
                _loaded[key] = (None, f"{ep.value!r}: {problem}") if problem else (obj, "")
        return _loaded[key]


def _info(uid: str, obj: Any, source: str, entry: str = "") -> PluginInfo:
    try:
        reasons = _unavailable_reasons(obj, uid)
    except Exception as exc:
        return PluginInfo(uid, str(obj.label), 1000, False,
                          f"its dependency check raised {type(exc).__name__}: {exc}", source, True, None, entry)
    return PluginInfo(
        uid=uid,
        label=str(obj.label),
        priority=int(obj.priority),
        available=not reasons,
        reason="; ".join(reasons),
        source=source,
        plugin=obj,
        entry_point=entry,
    )


def plugin_infos(group: str, uid: str) -> list[PluginInfo]:
    """Every plugin for `uid` in `group`, in dispatch order: (priority, label, source).

    Computed once per transfer syntax and cached until registrations change
    (:func:`register`, :func:`unregister`, :func:`refresh`).
    """
    with _lock:
        cached = _infos.get((group, uid))
        if cached is not None:
            return list(cached)
        infos: list[PluginInfo] = []
        for ep, dist in _scan(group).get(uid, []):
            obj, problem = _load(group, uid, ep, dist)
            if obj is None:
                infos.append(PluginInfo(uid, ep.value, 1000, False, problem, dist, True, None, ep.value))
            else:
                infos.append(_info(uid, obj, dist, ep.value))
        runtime = list(_runtime[group].get(uid, []))
        infos.extend(_info(uid, obj, RUNTIME) for obj in runtime)
        infos.sort(key=lambda i: (i.broken, i.priority, i.label, i.source))
        infos = _unique_labels(infos)
        _infos[(group, uid)] = infos
        return list(infos)


RUNTIME = "registered at run time"


def _unique_labels(infos: list[PluginInfo]) -> list[PluginInfo]:
    """One usable plugin per label: a run-time registration, else dcmcore's own, else the first in dispatch order.

    The others are reported as broken, so that ``decoding_plugin=label``
    always means the plugin the listing shows (and ``"dcmcore"`` dcmcore's own).
    """

    def rank(info: PluginInfo) -> int:
        return 0 if info.source == RUNTIME else 1 if info.source.startswith(BUILTIN_DISTRIBUTION + " ") else 2

    owner: dict[str, PluginInfo] = {}
    for info in infos:
        if info.broken:
            continue
        held = owner.get(info.label)
        if held is None or rank(info) < rank(held):
            owner[info.label] = info
    result = []
    for info in infos:
        winner = owner.get(info.label)
        if info.broken or winner is None or winner is info:
            result.append(info)
            continue
        result.append(
            dataclasses.replace(
                info, available=False, broken=True, plugin=None,
                reason=f"its label {info.label!r} is already used by the plugin from {winner.source}",
            )
        )
    result.sort(key=lambda i: (i.broken, i.priority, i.label, i.source))
    return result


def overriding(infos: list[PluginInfo]) -> list[PluginInfo]:
    """The usable plugins of `infos` (in dispatch order) that run before dcmcore's own codec.

    Empty when dcmcore has no usable codec among them, or it comes first.
    """
    usable = [i for i in infos if i.available]
    for rank, info in enumerate(usable):
        if info.builtin:
            return usable[:rank]
    return []


def known_uids(group: str) -> list[str]:
    """UIDs with at least one plugin (entry point or run time) in `group`."""
    with _lock:
        uids = set(_scan(group)) | set(_runtime[group])
    return sorted(uids, key=lambda u: [int(p) if p.isdigit() else p for p in u.split(".")])


def register(group: str, uid: str, plugin: Any, *, replace: bool = False) -> None:
    """Register `plugin` for `uid` at run time (notebooks, tests, frozen apps without metadata).

    Raises
    ------
    TypeError
        If `plugin` does not implement the contract.
    ValueError
        If a run-time plugin with the same label exists for `uid` and not `replace`.
    """
    problem = _check_contract(plugin, group)
    if problem:
        raise TypeError(f"Cannot register {plugin!r} for {uid}: {problem}")
    with _lock:
        plugins = _runtime[group].setdefault(str(uid), [])
        same = [p for p in plugins if p.label == plugin.label]
        if same and not replace:
            raise ValueError(f"A plugin labelled {plugin.label!r} is already registered for {uid}; pass replace=True")
        for p in same:
            plugins.remove(p)
        plugins.append(plugin)
        _infos.clear()


def unregister(group: str, uid: str, label: str) -> bool:
    """Remove the run-time plugin `label` for `uid`; True if one was removed."""
    with _lock:
        plugins = _runtime[group].get(str(uid), [])
        kept = [p for p in plugins if p.label != label]
        _runtime[group][str(uid)] = kept
        _infos.clear()
        return len(kept) != len(plugins)


def unannounced_overrides(group: str, uid: str, infos: list[PluginInfo] | None = None) -> list[PluginInfo]:
    """The plugins that run before dcmcore's own codec for `uid` and were not returned here before.

    Each (group, UID, label, source) is returned once until :func:`refresh`,
    so that an override is announced once per process.
    """
    with _lock:
        fresh = []
        for info in overriding(plugin_infos(group, uid) if infos is None else infos):
            key = (group, uid, info.label, info.source)
            if key not in _announced:
                _announced.add(key)
                fresh.append(info)
        return fresh


def refresh() -> None:
    """Forget scanned and loaded entry points (after installing a plugin at run time)."""
    with _lock:
        _scanned.clear()
        _loaded.clear()
        _infos.clear()
        _announced.clear()
