"""Codec plugins: discovery, run-time registration and listing.

Decoders and encoders are found through the entry point groups
``dcmcore.decoders`` and ``dcmcore.encoders``; the entry point name is the
Transfer Syntax UID, the value the plugin object (see :mod:`dcmcore.plugins.base`
and docs/plugins.md).

This namespace is the whole public contract for plugin authors: the protocols
and :class:`PluginBase`, registration and listing, the dispatchers, the
helpers of :mod:`dcmcore.plugins.helpers` (frame buffers, RLE headers,
versions), the codestream header readers of :mod:`dcmcore.plugins.codestream`
and, for plugin test suites, :mod:`dcmcore.plugins.testing`.

Examples
--------
>>> import dcmcore.plugins as plugins
>>> [(p.label, p.available) for p in plugins.decoders("1.2.840.10008.1.2.5")]  # doctest: +SKIP
[('dcmcore', True), ('pylibjpeg-rle', True), ('gdcm', True)]
"""

from __future__ import annotations

from typing import Any

from dcmcore.plugins import codestream, helpers, jpeg_scans, jpegls, testing
from dcmcore.plugins.codestream import CodestreamInfo, check_geometry, codestream_info, parse_j2k, parse_jpeg
from dcmcore.plugins.jpeg_scans import segments_after_scan
from dcmcore.plugins.jpegls import PresetParameters, check_scan_parameters, default_thresholds, read_near, read_presets
from dcmcore.plugins.base import DECODER_MEMBERS, ENCODER_MEMBERS, PLUGIN_API, DecoderPlugin, EncoderPlugin, PluginBase
from dcmcore.plugins.dispatch import Dispatcher, encoded_photometric, encoder_dispatcher, install_hint, known_hint_uids
from dcmcore.plugins.frames import FrameRun
from dcmcore.plugins.helpers import (
    PASS_THROUGH_EXCEPTIONS,
    check_rle_frame,
    frame_array,
    frame_bytes,
    frame_view,
    parse_rle_header,
    rle_segment_count,
    version_tuple,
)
from dcmcore.plugins.registry import (
    DECODER_GROUP,
    ENCODER_GROUP,
    PluginInfo,
    known_uids,
    overriding,
    plugin_infos,
    refresh,
    register,
    unregister,
)
from dcmcore.uids import name_of

__all__ = [
    "PLUGIN_API",
    "DECODER_MEMBERS",
    "ENCODER_MEMBERS",
    "DecoderPlugin",
    "FrameRun",
    "EncoderPlugin",
    "PluginBase",
    "PluginInfo",
    "Dispatcher",
    "encoder_dispatcher",
    "encoded_photometric",
    "decoders",
    "encoders",
    "register_decoder",
    "register_encoder",
    "unregister_decoder",
    "unregister_encoder",
    "refresh",
    "report",
    "OVERRIDE_MARK",
    "overriding",
    *helpers.__all__,  # what dcmcore offers plugin authors
    *codestream.__all__,  # codestream headers, read without decoding
    *jpeg_scans.__all__,  # the markers among a JPEG frame's scans
    *jpegls.__all__,  # JPEG-LS coding parameters checked
    "testing",  # helpers for plugin test suites
]


def decoders(uid: str) -> list[PluginInfo]:
    """The decoders for `uid` in dispatch order, with availability and the reason when unavailable."""
    return plugin_infos(DECODER_GROUP, str(uid))


def encoders(uid: str) -> list[PluginInfo]:
    """The encoders for `uid` in dispatch order, with availability and the reason when unavailable."""
    return plugin_infos(ENCODER_GROUP, str(uid))


def register_decoder(uid: str, plugin: Any, *, replace: bool = False) -> None:
    """Make `plugin` decode `uid` from now on, beside the installed entry points."""
    register(DECODER_GROUP, str(uid), plugin, replace=replace)


def register_encoder(uid: str, plugin: Any, *, replace: bool = False) -> None:
    """Make `plugin` encode `uid` from now on, beside the installed entry points."""
    register(ENCODER_GROUP, str(uid), plugin, replace=replace)


def unregister_decoder(uid: str, label: str) -> bool:
    """Remove the run-time decoder `label` of `uid`; True if there was one."""
    return unregister(DECODER_GROUP, str(uid), label)


def unregister_encoder(uid: str, label: str) -> bool:
    """Remove the run-time encoder `label` of `uid`; True if there was one."""
    return unregister(ENCODER_GROUP, str(uid), label)


#: Shown after a plugin that runs before dcmcore's own codec for the syntax.
OVERRIDE_MARK = "<- runs before dcmcore's built-in codec"


def report() -> str:
    """A table of every transfer syntax's decoders and encoders in dispatch order.

    A usable third-party plugin that runs before dcmcore's own codec for a
    syntax is marked with :data:`OVERRIDE_MARK`.
    """
    lines = []
    for title, group in (("Decoders", DECODER_GROUP), ("Encoders", ENCODER_GROUP)):
        lines.append(f"{title} (dispatch order per transfer syntax)")
        lines.append("=" * len(lines[-1]))
        uids = known_uids(group)
        if group == DECODER_GROUP:
            uids = sorted(set(uids) | set(known_hint_uids()), key=lambda u: [int(p) for p in u.split(".")])
        for uid in uids:
            lines.append(name_of(uid))
            infos = plugin_infos(group, uid)
            if not infos:
                lines.append("     no plugin installed")
            overrides = overriding(infos)
            for rank, info in enumerate(infos, 1):
                state = "available" if info.available else ("BROKEN" if info.broken else "unavailable")
                mark = f"  {OVERRIDE_MARK}" if info in overrides else ""
                lines.append(f"  {rank}. {info.label:<16} priority {info.priority:<5} {state:<12} {info.source}{mark}")
                if info.reason:
                    lines.append(f"       {info.reason}")
            hint = install_hint(uid)
            if hint and not any(i.available for i in plugin_infos(group, uid)):
                lines.append(f"       to {'decode' if group == DECODER_GROUP else 'encode'}: install {hint}")
        lines.append("")
    return "\n".join(lines)
