"""Choosing a codec plugin per transfer syntax, with fallback.

Candidates are ordered by priority, unavailable ones skipped; the first is
tried and the next used when it fails. A :class:`~dcmcore.errors.CorruptPixelDataError`
is final: it means the data itself was proven invalid, and another, more
lenient codec would return a silently wrong array. When every candidate fails,
one :class:`~dcmcore.errors.PluginError` names each plugin and why.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import numpy as np
from pydicom import uid

from dcmcore.errors import CorruptPixelDataError, NoPluginAvailableError, PluginError, UnsupportedPixelDataError
from dcmcore.plugins.helpers import PASS_THROUGH_EXCEPTIONS
from dcmcore.plugins.registry import DECODER_GROUP, ENCODER_GROUP, PluginInfo, plugin_infos, unannounced_overrides
from dcmcore.spec import PixelSpec
from dcmcore.uids import JPEG_XL_TRANSFER_SYNTAXES, name_of

__all__ = ["Dispatcher", "encoder_dispatcher", "encoded_photometric", "install_hint", "resolve_alias", "PYDICOM_ALIASES"]

LOGGER = logging.getLogger("dcmcore")

_GDCM = "the dcmcore-gdcm plugin (pip install ./plugins/dcmcore-gdcm from the dcmcore sources; needs python-gdcm)"
_IMAGECODECS = (
    "the dcmcore-imagecodecs plugin (pip install ./plugins/dcmcore-imagecodecs from the dcmcore sources; "
    "needs imagecodecs)"
)
_JPEG = (uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit, uid.JPEGLossless, uid.JPEGLosslessSV1)
_JPEG_LS = (uid.JPEGLSLossless, uid.JPEGLSNearLossless)
_JPEG_2000 = (uid.JPEG2000Lossless, uid.JPEG2000)
_HTJ2K = (uid.HTJ2KLossless, uid.HTJ2KLosslessRPCL, uid.HTJ2K)
#: What to install for syntaxes no installed plugin serves.
_HINTS = {
    **dict.fromkeys(map(str, _JPEG + _JPEG_LS + _JPEG_2000), f"{_IMAGECODECS}, or {_GDCM}"),
    **dict.fromkeys(map(str, _HTJ2K + tuple(JPEG_XL_TRANSFER_SYNTAXES)), _IMAGECODECS),
    str(uid.RLELossless): "dcmcore (built in), or the dcmcore-rle / dcmcore-gdcm plugins",
}


#: pydicom's decoding/encoding plugin labels that name the same codec as a dcmcore plugin, per syntax:
#: ``decoding_plugin="pydicom"`` (pydicom's own RLE codec) means dcmcore's own, "pylibjpeg" means
#: pylibjpeg-rle for RLE and OpenJPEG (which dcmcore-imagecodecs uses) for JPEG 2000 and HTJ2K,
#: "pyjpegls" CharLS and "pillow" libjpeg-turbo / OpenJPEG (both in dcmcore-imagecodecs). Used only
#: when no plugin has the label itself.
PYDICOM_ALIASES = {
    str(uid.RLELossless): {"pydicom": "dcmcore", "pylibjpeg": "pylibjpeg-rle"},
    **dict.fromkeys(map(str, _JPEG[:2]), {"pillow": "imagecodecs"}),
    **dict.fromkeys(map(str, _JPEG_LS), {"pyjpegls": "imagecodecs"}),
    **dict.fromkeys(map(str, _JPEG_2000), {"pylibjpeg": "imagecodecs", "pillow": "imagecodecs"}),
    **dict.fromkeys(map(str, _HTJ2K), {"pylibjpeg": "imagecodecs"}),
}


def resolve_alias(transfer_syntax_uid: str, label: str, labels: Sequence[str] | set[str]) -> str:
    """`label`, or the dcmcore label it is pydicom's name for, when no plugin among `labels` has it."""
    if label in labels:
        return label
    return PYDICOM_ALIASES.get(str(transfer_syntax_uid), {}).get(label, label)


def known_hint_uids() -> list[str]:
    """Transfer syntaxes for which an installable plugin is known."""
    return list(_HINTS)


def install_hint(uid: str) -> str:
    """What a user can install to decode `uid` ('' when nothing is known)."""
    return _HINTS.get(str(uid), "")


def _check_decoded(result: Any, spec: PixelSpec, label: str) -> Any:
    """`result` of a plugin's ``decode`` when it keeps the contract, else a PluginError (so: fall back)."""
    if result.__class__ is tuple and len(result) == 2:
        arr, produced = result
        if (arr.__class__ is np.ndarray or isinstance(arr, np.ndarray)) and isinstance(produced, PixelSpec):
            wanted = spec.dtype
            got = arr.dtype
            if got != wanted and not (
                (got.kind in "ui" and wanted.kind in "ui" and got.itemsize == wanted.itemsize)
                or np.can_cast(got, wanted, "safe")
            ):
                raise PluginError(f"'{label}' returned {got} samples, {wanted} was expected")
            shape = produced.frame_shape
            if arr.shape == shape:
                return result
            # one frame with a leading axis, or flat: the same samples in the same order
            if arr.size == produced.frame_samples and (arr.ndim == 1 or arr.shape == (1, *shape)):
                return result
            raise PluginError(
                f"'{label}' returned an array of shape {arr.shape} for a frame of {shape}: "
                "samples must be interleaved, (rows, columns[, samples])"
            )
    raise PluginError(f"'{label}' returned {type(result).__name__}, not (numpy.ndarray, PixelSpec)")


def _check_encoded(result: Any, spec: PixelSpec, label: str) -> Any:
    if isinstance(result, (bytes, bytearray, memoryview)):
        return result
    raise PluginError(f"'{label}' returned {type(result).__name__}, not bytes")


def _describe(infos: Sequence[PluginInfo]) -> str:
    return "; ".join(f"'{i.label}' ({i.source}): {i.reason or 'available'}" for i in infos)


def _announce_overrides(uid: str, infos: list[PluginInfo]) -> None:
    """Log, once per plugin, that a plugin runs before dcmcore's own decoder for `uid`."""
    for info in unannounced_overrides(DECODER_GROUP, uid, infos):
        LOGGER.warning(
            "The plugin '%s' (%s, priority %d) decodes %s before dcmcore's built-in decoder; "
            "pass decoding_plugin='dcmcore' to use dcmcore's own, and see `dcmcore plugins`",
            info.label,
            info.source,
            info.priority,
            name_of(uid),
        )


def preference_labels(preference: Any) -> list[str]:
    """The labels of a ``decoding_plugin=`` / ``encoding_plugin=`` value: one label or a sequence of them.

    Raises
    ------
    TypeError
        For anything else, naming the value.
    """
    if isinstance(preference, str):
        return [preference]
    if isinstance(preference, (list, tuple)) and all(isinstance(label, str) for label in preference):
        return list(preference)
    raise TypeError(
        "A plugin preference must be a plugin label (str), a list or tuple of labels, or None; "
        f"not {type(preference).__name__} {preference!r}"
    )


class Dispatcher:
    """The ordered candidates for one transfer syntax, and the fallback loop.

    Created in the default order for decoding, it logs a warning, once per
    plugin and process, for each usable plugin that runs before dcmcore's own
    decoder (see :func:`dcmcore.plugins.overriding`).

    Parameters
    ----------
    uid : str
        The Transfer Syntax UID.
    preference : str, sequence of str or None
        A plugin label (use only that plugin), an ordered list of labels (use
        those, in that order), or None (all available plugins by priority).
    group : str
        ``"dcmcore.decoders"`` or ``"dcmcore.encoders"``.

    Attributes
    ----------
    last_label : str or None
        The label of the plugin that last decoded (or encoded) a frame; with
        the ``dcmcore`` logger at DEBUG, each frame's plugin is also logged.

    Raises
    ------
    UnsupportedPixelDataError
        No plugin at all is installed for `uid`.
    ValueError
        A requested label is unknown for `uid`.
    NoPluginAvailableError
        The requested (or every) plugin is missing dependencies or broken.
    """

    def __init__(self, uid: str, preference: str | Sequence[str] | None = None, group: str = DECODER_GROUP) -> None:
        self.uid = str(uid)
        self.group = group
        verb = "decode" if group == DECODER_GROUP else "encode"
        infos = plugin_infos(group, self.uid)
        if not infos:
            hint = install_hint(self.uid)
            raise UnsupportedPixelDataError(
                f"No plugin can {verb} the transfer syntax {name_of(self.uid)}"
                + (f": install {hint}" if hint else "")
            )
        if preference in (None, ""):
            chosen = list(infos)
        else:
            labels = preference_labels(preference)
            by_label: dict[str, PluginInfo] = {}
            for i in infos:  # a usable plugin over a broken one of the same label
                if i.label not in by_label or by_label[i.label].broken:
                    by_label[i.label] = i
            labels = [resolve_alias(self.uid, label, by_label.keys()) for label in labels]
            unknown = [label for label in labels if label not in by_label]
            if unknown:
                raise ValueError(
                    f"No {verb[:-1]}ing plugin labelled {', '.join(map(repr, unknown))} for "
                    f"{name_of(self.uid)}; the plugins are: {', '.join(repr(i.label) for i in infos)}"
                )
            chosen = [by_label[label] for label in labels]
        self.infos = chosen
        available = [i for i in chosen if i.available]
        if not available:
            hint = install_hint(self.uid)
            raise NoPluginAvailableError(
                f"Cannot {verb} {name_of(self.uid)}: no plugin is usable here. {_describe(chosen)}"
                + (f". Install {hint}" if hint and preference in (None, "") else "")
                + (". (Entry point metadata may be missing in frozen applications: "
                   "register plugins with dcmcore.plugins.register_decoder.)" if not chosen else "")
            )
        self.plugins = [i.plugin for i in available]
        #: the plugins that correct unused bits themselves when asked (an optional capability)
        self._fixers = [p for p in self.plugins if getattr(p, "corrects_unused_bits", False) is True]
        self._winner: Any = None
        #: The label of the plugin that last decoded (or encoded) a frame; None before the first.
        self.last_label: str | None = None
        if group == DECODER_GROUP and preference in (None, ""):
            _announce_overrides(self.uid, infos)

    @property
    def labels(self) -> list[str]:
        return [p.label for p in self.plugins]

    @property
    def first(self) -> Any:
        """The plugin the next call tries first (the last one that succeeded, else the first)."""
        return self._winner if self._winner is not None else self.plugins[0]

    def succeeded(self, plugin: Any) -> None:
        """Note that `plugin` decoded frames outside :meth:`decode` (a caller's batch path)."""
        if self._winner is None:
            self._winner = plugin
        self.last_label = plugin.label
        if LOGGER.isEnabledFor(logging.DEBUG):
            LOGGER.debug("'%s' decoded frames of %s", plugin.label, name_of(self.uid))

    def _order(self) -> list[Any]:
        winner = self._winner
        if winner is None or self.plugins[0] is winner:
            return self.plugins
        return [winner, *(p for p in self.plugins if p is not winner)]

    def _run(self, call: str, *args: Any, _fix: bool = False, **kwargs: Any) -> tuple[Any, bool, Any]:
        """(the first plugin's result that keeps the contract, whether it corrected unused bits, the plugin)."""
        errors: list[tuple[str, BaseException]] = []
        check = _check_decoded if call == "decode" else _check_encoded
        fixers = self._fixers if _fix else ()
        for plugin in self._order():
            fixed = plugin in fixers
            try:
                if fixed:
                    result = check(getattr(plugin, call)(*args, correct_unused_bits=True, **kwargs), args[1], plugin.label)
                else:
                    result = check(getattr(plugin, call)(*args, **kwargs), args[1], plugin.label)
            except CorruptPixelDataError:
                raise
            except PASS_THROUGH_EXCEPTIONS:
                raise
            except BaseException as exc:  # any plugin failure (a Rust panic included) means: try the next one
                errors.append((plugin.label, exc))
                continue
            if plugin is not self._winner:
                if self._winner is not None:
                    LOGGER.warning(
                        "Plugin '%s' failed on this frame of %s; '%s' was used instead",
                        self._winner.label,
                        name_of(self.uid),
                        plugin.label,
                    )
                self._winner = plugin
            self.last_label = plugin.label
            if LOGGER.isEnabledFor(logging.DEBUG):
                LOGGER.debug("'%s' %sd a frame of %s", plugin.label, call, name_of(self.uid))
            return result, fixed, plugin
        details = "; ".join(f"'{label}': {type(exc).__name__}: {exc}" for label, exc in errors)
        skipped = [i for i in self.infos if not i.available]
        hint = ""
        if skipped:
            # the unusable candidates may be the ones that would work: say why, and what to install
            details += "; not tried, unusable here: " + _describe(skipped)
            hint = install_hint(self.uid)
        raise PluginError(
            f"Every plugin failed to {call} {name_of(self.uid)} data ({details})"
            + (f". To make more plugins usable, install {hint}" if hint else "")
        ) from errors[-1][1]

    def decode(
        self,
        src: bytes | memoryview,
        spec: PixelSpec,
        *,
        out: np.ndarray | None = None,
        **options: Any,
    ) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame with the first plugin that succeeds: ``(array, produced spec)``."""
        return self._run("decode", src, spec, out=out, **options)[0]

    def decode_correcting(
        self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any
    ) -> tuple[np.ndarray, PixelSpec, bool]:
        """As :meth:`decode`, asking the plugins that can correct unused bits themselves to do so.

        Returns ``(array, produced spec, corrected)``: `corrected` is True when
        the plugin that decoded the frame cleared or sign-extended the bits
        above *Bits Stored*; otherwise the caller still has to.
        """
        (arr, produced), corrected, _ = self._run("decode", src, spec, out=out, _fix=True, **options)
        return arr, produced, corrected

    def encode(self, src: np.ndarray | bytes, spec: PixelSpec, **options: Any) -> bytes:
        """Encode one frame with the first plugin that succeeds."""
        return self._run("encode", src, spec, **options)[0]

    def encode_reporting(self, src: np.ndarray | bytes, spec: PixelSpec, **options: Any) -> tuple[bytes, str]:
        """As :meth:`encode`: ``(encoded frame, the Photometric Interpretation of its samples)``.

        The value is what the encoder that succeeded declares through the
        optional ``encoded_photometric_interpretation(spec, **options)``
        capability (docs/plugins.md), else ``spec.photometric_interpretation``.
        """
        encoded, _, plugin = self._run("encode", src, spec, **options)
        return encoded, encoded_photometric(plugin, spec, options)


def encoded_photometric(plugin: Any, spec: PixelSpec, options: dict) -> str:
    """The (0028,0004) value of what `plugin` encodes from frames of `spec` with `options`.

    Asked of the plugin's optional ``encoded_photometric_interpretation``
    capability, looked up by attribute; without it, the samples keep
    ``spec.photometric_interpretation``.

    Raises
    ------
    PluginError
        The capability returned something other than a non-empty str.
    """
    ask = getattr(plugin, "encoded_photometric_interpretation", None)
    if ask is None:
        return spec.photometric_interpretation
    value = ask(spec, **options)
    if not isinstance(value, str) or not value:
        raise PluginError(
            f"'{plugin.label}' encoded_photometric_interpretation returned {value!r}, not a Photometric Interpretation"
        )
    return value


def encoder_dispatcher(uid: str, preference: str | Sequence[str] | None = None) -> Dispatcher:
    """A :class:`Dispatcher` over the encoders of `uid`."""
    return Dispatcher(uid, preference, ENCODER_GROUP)
