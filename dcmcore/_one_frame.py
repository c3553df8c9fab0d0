"""One frame at a time: :meth:`Session.decode_one <dcmcore._session.Session.decode_one>`, with less work per call.

A lazily read image, a tiled region and a reader of random frames ask for
one frame per call, thousands of times; the general path (:meth:`Session.decode`)
plans runs of frames, reads them in chunks and hands them out to threads.
For one frame it does what that path would do, through the same plugin
capabilities (``decode_frames``, and ``decodes_in_place`` for natively
encoded frames read from a file, found by attribute), with the frame's
layout worked out once per session: a natively encoded frame is read
straight into its output, an encapsulated frame of one fragment is read and
handed over in one call. Anything else, and a plugin's refusal, goes the
general way (:meth:`_decode_one_generally`), which gives the precise error or
falls back to the next plugin.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Callable

import numpy as np

from dcmcore import config
from dcmcore._arrays import new_array, output_array
from dcmcore.plugins.frames import FrameRun

__all__ = ["OneFrameDecoding"]

_ZERO = np.zeros(1, np.intp)
_ZERO.flags.writeable = False


class OneFrameDecoding:
    """The one-frame methods of :class:`~dcmcore._session.Session` (a mixin: it uses the session's state)."""

    @cached_property
    def _one_layout(self) -> tuple:
        """What :meth:`decode_one` needs of the description for every frame, worked out once."""
        spec = self.spec
        lengths = np.array([spec.frame_nbytes], np.intp)
        lengths.flags.writeable = False
        return spec.frame_shape, spec.dtype, spec.frame_nbytes, lengths, (1, *spec.frame_shape)

    @cached_property
    def _one_plugin(self) -> Any | None:
        """The plugin :meth:`decode_one` hands a natively encoded frame to in one call, or None to go the general way.

        The first plugin in dispatch order, when it has the ``decode_frames``
        capability and, for frames read from a file, ``decodes_in_place``
        (found by attribute, as for runs of frames) and no options apply.
        """
        spec = self.spec
        if not spec.is_native or self._bit_offsets or self.options:
            return None
        plugin = self.dispatcher.first
        if getattr(plugin, "decode_frames", None) is None:
            return None
        if self.source.buffer is None:
            in_place = getattr(plugin, "decodes_in_place", None)
            if in_place is None or not in_place(spec, as_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits):
                return None
        return plugin

    @cached_property
    def _one_in_place(self) -> Callable[[np.ndarray, int], None] | None:
        """The first plugin's ``in_place_decoder`` for natively encoded frames read from a file, or None.

        Found by attribute, as every capability: with it a frame read into its
        output is decoded there in one call, no run made and no options
        resolved per frame.
        """
        plugin = self._one_plugin
        if plugin is None or self.source.buffer is not None:
            return None
        make = getattr(plugin, "in_place_decoder", None)
        if make is None:
            return None
        return make(self.spec, as_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits)

    def decode_one(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """Frame `index` decoded into `out` (C-contiguous, one frame of :attr:`dtype`) or a new array.

        What :meth:`decode` does for one frame, with less work per call: a
        natively encoded frame read from a file goes straight into the output
        and the plugin turns it into stored values there (``decodes_in_place``).
        """
        spec = self.spec
        if out is not None:  # the caller's array: one frame exactly, checked as every output is
            shape, dtype = self._one_layout[:2]
            out = output_array(out, shape, dtype)
        plugin = self._one_plugin
        if plugin is None or not 0 <= index < spec.number_of_frames:
            plugin = self._one_encapsulated
            if plugin is not None and 0 <= index < spec.number_of_frames:
                return self._decode_one_encapsulated(plugin, index, out)
            return self._decode_one_generally(index, out)
        shape, dtype, nbytes, lengths, run_shape = self._one_layout
        if out is None:
            out = new_array(shape, dtype)
        source = self.source
        if source.buffer is None:
            target = out.reshape(-1).view(np.uint8)  # one frame exactly (checked above when given)
            source.readinto(index * nbytes, target)
            kernel = self._one_in_place
            if kernel is not None:
                kernel(target, 1)
                self.dispatcher.succeeded(plugin)
                return out
            run = FrameRun(memoryview(target), _ZERO, lengths, index, in_place=True, check=False)
        else:
            run = FrameRun(source.buffer, *self._native_offsets(index, 1, 0), index, check=False)
        return self._hand_over(plugin, run, index, out, run_shape)

    @cached_property
    def _one_encapsulated(self) -> Any | None:
        """The plugin :meth:`decode_one` hands an encapsulated frame of one fragment to in one call, or None.

        The first plugin in dispatch order, when it has the ``decode_frames``
        capability (found by attribute) and no options apply.
        """
        if self.spec.is_native or self.options:
            return None
        plugin = self.dispatcher.first
        return plugin if getattr(plugin, "decode_frames", None) is not None else None

    def _decode_one_encapsulated(self, plugin: Any, index: int, out: np.ndarray | None) -> np.ndarray:
        """One encapsulated frame in one ``decode_frames`` call: what :meth:`decode` does, less work per call.

        For a frame of one fragment, into `out` or a new array below
        :data:`dcmcore.config.prefault_bytes` (a larger one is left to
        :meth:`decode`, which maps its pages first); anything else, and a
        refusal, goes the general way.
        """
        ranges = self._ranges
        shape, dtype, _, _, run_shape = self._one_layout
        fragments = ranges[index] if ranges is not None else ()
        if len(fragments) != 1 or (out is None and dtype.itemsize * math.prod(shape) >= config.prefault_bytes):
            return self._decode_one_generally(index, out)
        self.check_frames((index,))  # before the output is allocated, as always
        if out is None:
            out = new_array(shape, dtype)
        start, length = fragments[0]
        source = self.source
        if source.buffer is not None:
            run = FrameRun(source.buffer, np.array([start], np.intp), np.array([start + length], np.intp), index, check=False)
        else:
            data = source.read_at(start, length)
            run = FrameRun(memoryview(data), _ZERO, np.array([length], np.intp), index, check=False)
        return self._hand_over(plugin, run, index, out, run_shape)

    def _hand_over(self, plugin: Any, run: FrameRun, index: int, out: np.ndarray, run_shape: tuple) -> np.ndarray:
        """`run` (frame `index`) to `plugin`'s ``decode_frames`` into `out`; a refusal goes the general way."""
        got, produced = plugin.decode_frames(
            run, self.spec, out.reshape(run_shape), as_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits
        )
        if got != 1:  # refused: the general way, for the precise error or another plugin
            return self._decode_one_generally(index, out)
        if self._ybr_to_rgb and produced.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422"):
            self._conform(out, produced, out, False)  # the plugin left YCbCr as stored
        self.dispatcher.succeeded(plugin)
        return out

    def _decode_one_generally(self, index: int, out: np.ndarray | None) -> np.ndarray:
        if out is None:
            out = self.new_output(index, 1, self.spec.frame_shape)
            self.decode(index, 1, out, fresh=True)
        else:
            self.check_frames((index,))
            self.decode(index, 1, out)
        return out
