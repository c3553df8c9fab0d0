"""One decoding session: a source, the dispatcher of its transfer syntax, and how frames reach the output.

Every transfer syntax, natively encoded or not, goes through the plugin
dispatcher: built-in decoders are plugins like any other. When the plugin
first in dispatch order has the optional ``decode_frames`` capability (see
:class:`~dcmcore.plugins.FrameRun`), runs of frames go to it in one call,
straight into the output with the GIL released; any other plugin, and any
frame such a run stops at, is decoded a frame at a time, then conformed
(dtype, unused bits, YCbCr to RGB) in place in its slice of the output.
Frames can be spread over threads: each run of frames is written straight
into its own slice.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from typing import Any, Callable, Sequence

import numpy as np

from dcmcore import config, encaps
from dcmcore._allocation import allocate, check_encapsulated_frames
from dcmcore._kernels import color, convert, pages
from dcmcore._native_plan import NativePlan, check_native_length, needs_rgb_conversion
from dcmcore._source import PixelSource
from dcmcore._threads import run_jobs
from dcmcore._arrays import byte_view
from dcmcore._one_frame import OneFrameDecoding
from dcmcore.dataset_elements import element_value
from dcmcore.errors import PluginError
from dcmcore.plugins.dispatch import Dispatcher, preference_labels
from dcmcore.plugins.frames import FrameRun
from dcmcore.plugins.registry import DECODER_GROUP, plugin_infos
from dcmcore.spec import PixelSpec

__all__ = ["Session", "resolve_workers"]

LOGGER = logging.getLogger("dcmcore")

#: Runs of frames per thread under workers=: more balance the threads better, fewer cost less to hand out.
RUNS_PER_WORKER = 16
#: The least output a run handed to a thread makes: below, handing out costs more than it gains (10 frames
#: of 64 x 64 JPEG-LS, 80 KB, split frame by frame over 2 threads ran at 0.78x to 0.82x the speed of 1 thread;
#: as one run, 0.83x to 1.05x in four measurements, which is the noise of this machine).
MIN_RUN_BYTES = 64 << 10
def resolve_workers(workers: int | None) -> int:
    """The number of threads for `workers` (0 or None: every core)."""
    if workers is None or workers == 0:
        return os.cpu_count() or 1
    workers = int(workers)
    if workers < 0:
        raise ValueError(f"'workers' must be 0, None or a positive number, not {workers}")
    return workers


def _native_preference(uid: str, preference: str | Sequence[str] | None) -> str | Sequence[str] | None:
    """`preference` without the labels no decoder of native `uid` has.

    As in pydicom, a decoding plugin is chosen for compressed pixel data: a
    label meant for JPEG (say ``"gdcm"``) must not make natively encoded data
    in the same batch fail. A label that a native decoder has is honoured.
    """
    if preference in (None, ""):
        return preference
    labels = {info.label for info in plugin_infos(DECODER_GROUP, uid)}
    wanted = preference_labels(preference)
    kept = [label for label in wanted if label in labels]
    return kept or None


class Session(OneFrameDecoding):
    """Decode frames of one :class:`PixelSource` with fixed options.

    Making a session is cheap: it validates the description and, for natively
    encoded data, the value's length; the fragments of encapsulated data are
    found on the first decode, so a caller checks its frame index first.

    Parameters
    ----------
    source : PixelSource
    raw, as_rgb, correct_unused_bits, allow_excess_frames : bool
        As for :func:`dcmcore.pixel_array`.
    decoding_plugin : str, sequence of str or None
        A plugin label, an order of labels, or None for the default order
        (labels that no decoder of natively encoded data has are ignored there).
    options : dict
        Passed to the plugin's ``decode`` (and ``decode_frames``).
    """

    def __init__(
        self,
        source: PixelSource,
        *,
        raw: bool = False,
        as_rgb: bool = True,
        correct_unused_bits: bool = True,
        decoding_plugin: str | Sequence[str] | None = None,
        allow_excess_frames: bool = True,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.source = source
        spec = source.spec
        if spec.is_native:
            nframes = check_native_length(spec, source.length, allow_excess_frames=allow_excess_frames)
            if nframes != spec.number_of_frames:
                spec = source.spec = spec.replace(number_of_frames=nframes)
            decoding_plugin = _native_preference(spec.transfer_syntax_uid, decoding_plugin)
        self.spec = spec
        self.raw = raw
        self.as_rgb = as_rgb
        self.correct_unused_bits = correct_unused_bits
        self.options = options or {}
        self.dispatcher = Dispatcher(spec.transfer_syntax_uid, decoding_plugin)
        # per-frame decisions, made once
        self._fix_bits = correct_unused_bits and not spec.is_float and 1 < spec.bits_allocated and spec.bits_stored < spec.bits_allocated
        self._bit_offsets = spec.is_native and spec.bits_allocated == 1
        self._ybr_to_rgb = not raw and as_rgb and spec.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422")
        if self._ybr_to_rgb and spec.is_native:
            needs_rgb_conversion(spec, raw=False, as_rgb=True)  # refuses what cannot be converted, before decoding
        # natively encoded data had its length checked; encapsulated data is shown on first use
        self._shown: bool | None = True if spec.is_native else None

    @property
    def dtype(self) -> np.dtype:
        return self.spec.dtype

    @property
    def plugin_label(self) -> str | None:
        """The label of the plugin that decoded the last frames (None before the first)."""
        return self.dispatcher.last_label

    def view(self, first: int, count: int, *, squeeze: bool) -> tuple[np.ndarray | None, str]:
        """A read-only view of frames ``first .. first+count-1`` of the value, or None and why not."""
        spec, buf = self.spec, self.source.buffer
        if not spec.is_native:
            return None, f"the pixel data is compressed ({spec.transfer_syntax_uid.name}) and must be decoded"
        if buf is None:
            return None, "the pixel data is read from a file, not held in memory"
        plan = NativePlan(spec, to_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits)
        reason = plan.why_no_view(buf)
        if reason is not None:
            return None, reason
        return plan.view(buf, first, count, squeeze=squeeze), ""

    # -- where the frames are ---------------------------------------------------
    @cached_property
    def _ranges(self) -> list[list[tuple[int, int]]] | None:
        """Each frame's fragments as ``(offset, length)`` in the value; None for natively encoded data."""
        if self.spec.is_native:
            return None
        source, ext = self.source, None
        ds = source.ds
        if 0x7FE00001 in ds._dict and 0x7FE00002 in ds._dict:
            ext = (element_value(ds, 0x7FE00001), element_value(ds, 0x7FE00002))
        index = encaps.FragmentIndex.parse(source.read_at, source.size)
        if source.tail is not None and source.length is None:  # a file: check the elements after the value
            end = sum(index.fragments[-1]) if index.fragments else index.first_item
            if end + 8 <= source.size:  # the parse stopped at the sequence delimiter item
                source.tail.check(source.offset + end + 8, source.offset + source.size)
        return encaps.frame_ranges(index, self.spec.number_of_frames, extended_offsets=ext, tail=source.read_at)

    def _byte_range(self, first: int, count: int) -> tuple[int, int]:
        """``[start, stop)`` of natively encoded frames ``first .. first+count-1`` in the value."""
        starts, stops = self._native_offsets(first, count, 0)
        return int(starts[0]), int(stops[-1])

    def frame_bytes(self, index: int) -> bytes | memoryview:
        """The encoded bytes of frame `index` (fragments joined when there are several)."""
        ranges = self._ranges
        if ranges is not None:
            return encaps.join(self.source.read_at, ranges[index])
        start, stop = self._byte_range(index, 1)
        return self.source.read_at(start, stop - start)

    # -- sizes --------------------------------------------------------------
    def check_frames(self, indices: Sequence[int]) -> None:
        """Refuse frames `indices` when the data cannot produce the declared frame (before any allocation).

        See :mod:`dcmcore._allocation`: every encapsulated frame must hold
        bytes, and as many as its syntax needs; the first frame checked is
        shown to a plugin that reads codestream geometry.
        """
        if self.spec.is_native:
            return
        ranges = self._ranges
        assert ranges is not None
        reader = self.frame_bytes if self._shown is None else None
        shown = check_encapsulated_frames(self.spec, ranges, indices, self.dispatcher.plugins, reader)
        if reader is not None or shown:
            self._shown = shown

    def new_output(self, first: int, count: int, shape: tuple[int, ...]) -> np.ndarray:
        """A new array for frames ``first .. first+count-1``, once the data was shown able to fill it."""
        self.check_frames(range(first, first + count))
        return allocate(shape, self.spec.dtype)

    def _prefault(self, out: np.ndarray, fresh: bool) -> list[int] | None:
        """None, or a list recording the bytes mapped when `out`'s pages are to be mapped ahead of the frames."""
        if not fresh or not self._shown or config.prefault is False:
            return None
        if config.prefault is True or (out.nbytes >= config.prefault_bytes and not pages.is_mapped(byte_view(out))):
            return []
        return None

    # -- frames ----------------------------------------------------------
    def decode(self, first: int, count: int, out: np.ndarray, workers: int = 1, *, fresh: bool = False) -> None:
        """Decode frames ``first .. first+count-1`` into `out` (C-contiguous, `count` frames).

        `fresh` says `out` was just allocated for this call: when its memory
        is not mapped yet and the data was shown able to fill it (see
        :meth:`check_frames`), its pages are mapped just ahead of the frames
        written (see :mod:`dcmcore._kernels.pages` and :mod:`dcmcore.config`),
        which costs less than the page faults of filling it from its start.
        """
        frames = out.reshape(count, *self.spec.frame_shape)
        prefault = self._prefault(out, fresh)
        # contiguous runs of frames, a few per thread for balance (frames of compressed data differ in
        # cost) and little handing out per frame; none smaller than MIN_RUN_BYTES of output
        nchunks = min(count, resolve_workers(workers) * RUNS_PER_WORKER, max(1, out.nbytes // MIN_RUN_BYTES))
        workers = min(resolve_workers(workers), nchunks)
        if workers <= 1:
            self._decode_run(first, count, frames, prefault)
        else:
            bounds = [count * k // nchunks for k in range(nchunks + 1)]
            jobs = [(first + a, b - a, frames[a:b], prefault) for a, b in zip(bounds, bounds[1:]) if b > a]
            run_jobs(self._decode_run, jobs, workers)
        if prefault and LOGGER.isEnabledFor(logging.DEBUG):
            LOGGER.debug(
                "dcmcore mapped %d bytes of the new output's pages ahead of the frames, in %d steps",
                sum(prefault), len(prefault), extra={"mapped_bytes": sum(prefault), "mapped_steps": len(prefault)},
            )

    def _decode_run(self, first: int, count: int, frames: np.ndarray, prefault: list[int] | None = None) -> None:
        done = 0
        plugin = self.dispatcher.first
        batch = getattr(plugin, "decode_frames", None)
        if batch is not None:
            done = self._batch_runs(plugin, batch, first, count, frames, prefault)
        mapped = _Mapper(frames, count, prefault, done) if prefault is not None and done < count else None
        for k in range(done, count):
            if mapped is not None:
                mapped.upto(k + 1)
            self.decode_frame(first + k, frames[k])

    def _batch_runs(
        self, plugin: Any, batch: Callable[..., Any], first: int, count: int, frames: np.ndarray,
        prefault: list[int] | None,
    ) -> int:
        """Decode frames with `plugin`'s ``decode_frames``, a run at a time; return how many it decoded.

        A run hands over at most :data:`dcmcore.config.run_bytes` of output,
        so that the GIL, and with it Ctrl-C, is taken back between calls.
        """
        kwargs = dict(as_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits, **self.options)
        in_place = self.source.buffer is None and bool(
            getattr(plugin, "decodes_in_place", None)
            and plugin.decodes_in_place(self.spec, as_rgb=self._ybr_to_rgb, correct_unused_bits=self._fix_bits)
        )
        per_call = max(1, config.run_bytes // max(1, frames[0].nbytes if count else 1))
        done = 0
        for whole, lo, hi, mapped in self._runs(first, count, frames, in_place, prefault):
            for a in range(0, hi - lo, per_call):
                b = min(hi - lo, a + per_call)
                run = whole if b - a == len(whole) else FrameRun(
                    whole.buffer, whole.starts[a:b], whole.stops[a:b], whole.first + a, in_place=whole.in_place,
                    check=False,
                )  # fmt: skip
                got, produced = batch(
                    run, self.spec, frames[lo + a : lo + b], prefault=prefault is not None and not mapped, **kwargs
                )
                got = max(0, min(int(got), b - a))
                if got:
                    self.dispatcher.succeeded(plugin)
                    if self._ybr_to_rgb and produced.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422"):
                        for k in range(lo + a, lo + a + got):  # the plugin left YCbCr as stored
                            self._conform(frames[k], produced, frames[k], False)
                done += got
                if a + got < b:
                    return done
        return done

    def _runs(self, first: int, count: int, frames: np.ndarray, in_place: bool, prefault: list[int] | None):
        """``(FrameRun, lo, hi, mapped)`` covering frames ``first + lo .. first + hi - 1``, in order.

        `mapped`: the pages of that part of the output were mapped here already.
        """
        spec, source = self.spec, self.source
        ranges = self._ranges
        if ranges is not None:  # encapsulated: runs of single-fragment frames
            if any(len(ranges[first + k]) != 1 for k in range(count)):
                return
            starts = np.fromiter((ranges[first + k][0][0] for k in range(count)), np.intp, count)
            stops = starts + np.fromiter((ranges[first + k][0][1] for k in range(count)), np.intp, count)
            if source.buffer is not None:
                yield FrameRun(source.buffer, starts, stops, first, check=False), 0, count, False
                return
            lo, chunk_bytes = 0, config.read_chunk_bytes
            while lo < count:
                hi = lo + 1
                while hi < count and stops[hi] - starts[lo] <= chunk_bytes:
                    hi += 1
                base = int(starts[lo])
                chunk = source.read_at(base, int(stops[hi - 1]) - base)
                yield FrameRun(memoryview(chunk), starts[lo:hi] - base, stops[lo:hi] - base, first + lo, check=False), lo, hi, False
                lo = hi
            return
        if source.buffer is not None:
            yield FrameRun(source.buffer, *self._native_offsets(first, count, 0), first, check=False), 0, count, False
            return
        per_chunk = max(1, config.read_chunk_bytes // max(1, spec.frame_nbytes))
        for lo in range(0, count, per_chunk):
            hi = min(count, lo + per_chunk)
            if prefault is not None:
                pages.prefault(byte_view(frames[lo:hi]))
                prefault.append(frames[lo:hi].nbytes)
            start, stop = self._byte_range(first + lo, hi - lo)
            if in_place:
                target = byte_view(frames[lo:hi])
                source.readinto(start, target[: stop - start])
                buf = memoryview(target)
            else:
                buf = memoryview(source.read(start, stop)).cast("B")
            starts, stops = self._native_offsets(first + lo, hi - lo, start)
            yield FrameRun(buf, starts, stops, first + lo, in_place=in_place, check=False), lo, hi, prefault is not None

    def _native_offsets(self, first: int, count: int, base: int) -> tuple[np.ndarray, np.ndarray]:
        """Each natively encoded frame's byte range, relative to value offset `base`."""
        bits = self.spec.frame_nbits
        k = np.arange(first, first + count, dtype=np.intp)
        starts = (k * bits) >> 3
        stops = -(-((k + 1) * bits) // 8)
        if self.spec.bits_allocated == 8 and self.spec.is_big_endian and self.spec.pixel_vr == "OW":
            starts, stops = starts & ~1, (stops + 1) & ~1
        return starts - base, np.minimum(stops, self.source.size) - base

    def decode_frame(self, index: int, out: np.ndarray) -> None:
        """Decode one frame through the dispatcher into `out` (one frame), then conform it."""
        spec = self.spec
        src = self.frame_bytes(index)
        options = self.options
        if self._bit_offsets:
            options = {**options, "bit_offset": (index * spec.frame_nbits) & 7}
        if self._fix_bits:
            arr, produced, corrected = self.dispatcher.decode_correcting(src, spec, out=out, **options)
            fix = not corrected
        else:
            arr, produced = self.dispatcher.decode(src, spec, out=out, **options)
            fix = False
        if arr is not out or fix or self._ybr_to_rgb or produced is not spec:
            self._conform(arr, produced, out, fix)

    def _conform(self, arr: np.ndarray, produced: PixelSpec, out: np.ndarray, fix: bool) -> None:
        spec = self.spec
        if arr is not out:
            if arr.shape != out.shape:
                if arr.size != out.size:
                    raise PluginError(
                        f"The plugin returned {arr.shape} for a frame of {out.shape}"
                    )
                arr = arr.reshape(out.shape)
            if arr.dtype == out.dtype:
                np.copyto(out, arr)
            elif arr.dtype.kind in "ui" and arr.dtype.itemsize == out.dtype.itemsize:
                # signed <-> unsigned of the same size: the bit patterns are the values
                np.copyto(out, arr.view(out.dtype.newbyteorder(arr.dtype.byteorder)))
            elif np.can_cast(arr.dtype, out.dtype, "safe"):
                np.copyto(out, arr, casting="safe")
            else:
                raise PluginError(f"The plugin returned {arr.dtype} samples, {out.dtype} was expected")
        if fix:
            dst = byte_view(out)
            convert.convert(dst, dst, spec.itemsize, False, spec.bits_stored, spec.is_signed)
        if not self.raw and self.as_rgb and produced.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422"):
            needs_rgb_conversion(produced, raw=False, as_rgb=True)  # raises for non 8-bit
            dst = byte_view(out)
            color.ybr_full_to_rgb(dst, dst, 1, spec.frame_pixels, False)


class _Mapper:
    """Maps the pages of new frames a huge page at a time, just ahead of the frames written.

    Each huge page is first touched near its end (see
    :mod:`dcmcore._kernels.pages`), as the RLE kernel's own prefault does.
    """

    def __init__(self, frames: np.ndarray, count: int, record: list[int], first: int = 0) -> None:
        # frames before `first` are written already: never touched again
        self.record = record
        self.flat = byte_view(frames)
        self.base = self.flat.ctypes.data
        self.step = self.flat.size // count if count else 0
        self.mapped = first * self.step

    def upto(self, nframes: int) -> None:
        """Make sure the pages of the first `nframes` frames are mapped."""
        end = nframes * self.step
        if end > self.mapped:
            stop = min(self.flat.size, -(-(self.base + end) // pages.HUGE_PAGE) * pages.HUGE_PAGE - self.base)
            pages.prefault(self.flat[self.mapped : stop])
            self.record.append(stop - self.mapped)
            self.mapped = stop
