"""The codec plugin contract (API version 1).

A plugin is any object with the attributes and methods of :class:`DecoderPlugin`
(or :class:`EncoderPlugin`): a label, a priority, ``is_available`` and
``decode`` (or ``encode``); the optional members are listed there.
Subclassing :class:`PluginBase` is the easy way to get the dependency checks
right. It is published through an entry point whose
name is the Transfer Syntax UID it handles::

    [project.entry-points."dcmcore.decoders"]
    "1.2.840.10008.1.2.5" = "my_package.plugin:DECODER"

One object may serve several UIDs; it is told the UID through ``spec``.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from dcmcore.spec import PixelSpec

__all__ = ["PLUGIN_API", "DECODER_MEMBERS", "ENCODER_MEMBERS", "DecoderPlugin", "EncoderPlugin", "PluginBase"]

#: The version of the contract below; a plugin declaring another is reported and skipped.
PLUGIN_API = 1


#: The names a decoder must have; everything else is optional (see :class:`DecoderPlugin`).
DECODER_MEMBERS = ("label", "priority", "is_available", "decode")
#: The names an encoder must have.
ENCODER_MEMBERS = ("label", "priority", "is_available", "encode")


@runtime_checkable
class DecoderPlugin(Protocol):
    """What the dispatcher needs from a decoder: exactly :data:`DECODER_MEMBERS`.

    ``isinstance(obj, DecoderPlugin)`` is True for any object with these four
    names, which is also what the registry checks before it uses a plugin.

    Attributes
    ----------
    label : str
        The name users pass as ``decoding_plugin=`` (e.g. ``"gdcm"``).
    priority : int
        Lower runs first; dcmcore's own plugins use 10, wrappers of other
        libraries 20 and more.

    Notes
    -----
    Optional members, looked up with ``getattr`` where they are used (and
    given by :class:`PluginBase`):

    ``api_version`` : int
        The contract version implemented, :data:`PLUGIN_API`; absent means 1.
    ``missing_dependencies(uid)`` : list of str
        Why the plugin cannot serve `uid` here (empty when it can); used
        instead of ``is_available`` when present, and shown to users.
    ``corrects_unused_bits`` : bool
        True when ``decode`` accepts ``correct_unused_bits=True`` and then
        clears (unsigned) or sign-extends (signed) the bits above *Bits
        Stored* itself; dcmcore then skips its own pass. Absent means False:
        the option is never passed.
    ``frame_geometry(src, spec)`` : object or None
        Read the frame's geometry from its encoded bytes *without decoding*:
        an object with ``rows``, ``columns`` and ``components`` (such as the
        :class:`~dcmcore.plugins.CodestreamInfo` of
        :func:`~dcmcore.plugins.codestream_info`), or None when the bytes do
        not tell. dcmcore calls it on the first frame of encapsulated data
        before it allocates the output, so that a small file declaring a huge
        image is refused before any memory is taken; it raises
        :class:`~dcmcore.errors.CorruptPixelDataError` for a header it cannot
        read.
    """

    label: str
    priority: int

    def is_available(self, uid: str) -> bool:
        """True when the dependencies needed for `uid` can be imported (``is_available()`` is accepted too)."""

    def decode(self, src: bytes | memoryview, spec: PixelSpec, *, out: np.ndarray | None = None, **options: Any) -> tuple[np.ndarray, PixelSpec]:
        """Decode one frame.

        Parameters
        ----------
        src : bytes-like
            The frame's encoded bytes (fragments already joined).
        spec : PixelSpec
            The data set's description of the pixel data (``number_of_frames``
            refers to the whole object; the plugin decodes one frame).
        out : numpy.ndarray, optional
            A C-contiguous array of ``spec.frame_shape`` and ``spec.dtype`` the
            plugin may decode into (and return); plugins may ignore it.
        **options
            Plugin-specific options passed through from ``pixel_array``.

        Returns
        -------
        numpy.ndarray
            The frame, ``(rows, columns)`` or ``(rows, columns, samples)`` with
            samples interleaved, native byte order.
        PixelSpec
            What was produced: differs from `spec` when the codec's output does
            (e.g. ``photometric_interpretation`` RGB for a YBR_FULL_422 JPEG
            that the library converted, or ``bits_allocated`` 8 for 16-bit
            elements holding 8-bit JPEG data).
        """


@runtime_checkable
class EncoderPlugin(Protocol):
    """What the dispatcher needs from an encoder: exactly :data:`ENCODER_MEMBERS`.

    ``api_version`` and ``missing_dependencies(uid)`` are optional, as for
    :class:`DecoderPlugin`, and so is the capability
    ``encoded_photometric_interpretation(spec, **options) -> str``: the
    (0028,0004) value of what ``encode`` produces from frames of `spec`
    (e.g. ``"YBR_FULL_422"`` for RGB frames it converted and subsampled),
    which ``dcmcore.compress`` writes; without it the value is kept.
    """

    label: str
    priority: int

    def is_available(self, uid: str) -> bool: ...

    def encode(self, src: np.ndarray | bytes | memoryview, spec: PixelSpec, **options: Any) -> bytes:
        """Encode one frame (an array of ``spec.frame_shape`` or its native little endian bytes)."""


class PluginBase:
    """Convenience base: dependency checks from a table of importable modules.

    Subclasses set :attr:`label`, :attr:`priority`, :attr:`dependencies` (module
    name -> pip requirement) and :attr:`install_hint`, and may restrict
    :attr:`uids`. Modules are imported lazily, once, on the first check, so a
    missing or broken library never breaks ``import dcmcore``.
    """

    label: ClassVar[str] = ""
    priority: ClassVar[int] = 50
    api_version: ClassVar[int] = PLUGIN_API
    #: importable module -> the requirement that provides it
    dependencies: ClassVar[dict[str, str]] = {}
    #: what to run to get the dependencies, shown in error messages
    install_hint: ClassVar[str] = ""
    #: the UIDs this object serves (empty: whatever it is registered for)
    uids: ClassVar[frozenset[str]] = frozenset()
    #: Optional capability: True when ``decode`` accepts ``correct_unused_bits=True``
    #: and then returns values with the bits above *Bits Stored* cleared
    #: (unsigned) or sign-extended (signed). dcmcore then skips its own pass
    #: over the frame; plugins without it never receive the option.
    corrects_unused_bits: ClassVar[bool] = False

    def __init__(self) -> None:
        self._import_errors: dict[str, str] | None = None

    def _check_imports(self) -> dict[str, str]:
        if self._import_errors is None:
            errors = {}
            for module, requirement in self.dependencies.items():
                try:
                    importlib.import_module(module)
                except Exception as exc:  # not only ImportError: broken binaries raise others
                    errors[module] = f"{requirement} is not importable ({type(exc).__name__}: {exc})"
            self._import_errors = errors
        return self._import_errors

    def missing_dependencies(self, uid: str) -> list[str]:
        reasons = []
        if self.uids and uid not in self.uids:
            reasons.append(f"{self.label} does not support the transfer syntax {uid}")
        reasons.extend(self._check_imports().values())
        if reasons and self.install_hint and len(reasons) > (1 if self.uids and uid not in self.uids else 0):
            reasons.append(f"install with: {self.install_hint}")
        return reasons

    def is_available(self, uid: str) -> bool:
        return not self.missing_dependencies(uid)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} label={self.label!r} priority={self.priority}>"
