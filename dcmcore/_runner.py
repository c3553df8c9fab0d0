"""One decoding session: a source, its plugin, and how frames reach the output.

Natively encoded data decoded by dcmcore's own plugin goes through a
:class:`~dcmcore._native.NativePlan` (whole runs of frames per kernel call);
everything else is decoded a frame at a time by the dispatcher's plugins, then
conformed (dtype, unused bits, YCbCr to RGB) in place in the output slice.
Frames can be spread over threads: the kernels release the GIL and each frame
is written straight into its own slice of the output.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Sequence

import numpy as np

from dcmcore import encaps
from dcmcore._kernels import color, convert, pages
from dcmcore._kernels import rle as rle_kernels
from dcmcore._native import NativePlan, check_native_length, needs_rgb_conversion
from dcmcore._source import PixelSource
from dcmcore._threads import run_jobs
from dcmcore._validate import byte_view
from dcmcore.codecs.native import NativeDecoder
from dcmcore.codecs.rle import DECODER as RLE_DECODER
from dcmcore.codecs.rle import RLE_LOSSLESS
from dcmcore.errors import PluginError
from dcmcore.plugins.dispatch import Dispatcher
from dcmcore.plugins.registry import DECODER_GROUP, plugin_infos
from dcmcore.spec import PixelSpec

__all__ = ["Session", "resolve_workers"]

LOGGER = logging.getLogger("dcmcore")

#: Bytes read from a file per step when decoding many natively encoded frames.
CHUNK_BYTES = 1 << 24
#: New outputs of at least this many bytes get their pages mapped before decoding.
PREFAULT_BYTES = 1 << 20
#: Runs of frames per thread under workers=: more balance the threads better, fewer cost less to hand out.
RUNS_PER_WORKER = 16
#: dcmcore's RLE kernel decodes at most this many output bytes per call (Ctrl-C is seen between calls).
BATCH_BYTES = 1 << 26


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
    wanted = [preference] if isinstance(preference, str) else list(preference)  # type: ignore[list-item]
    kept = [label for label in wanted if label in labels]
    return kept or None


class Session:
    """Decode frames of one :class:`PixelSource` with fixed options.

    Parameters
    ----------
    source : PixelSource
    raw, as_rgb, correct_unused_bits, allow_excess_frames : bool
        As for :func:`dcmcore.pixel_array`.
    decoding_plugin : str, sequence of str or None
        A plugin label, an order of labels, or None for the default order
        (labels that no decoder of natively encoded data has are ignored there).
    options : dict
        Passed to the plugin's ``decode``.
    """

    #: Let dcmcore's RLE kernel decode runs of frames in one call (see :meth:`_rle_batch`);
    #: False sends every frame through the dispatcher (for tests and benchmarks).
    batch_rle = True

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
        self.native: NativePlan | None = None
        self._ranges: list[list[tuple[int, int]]] | None = None
        # per-frame decisions, made once
        self._fix_bits = correct_unused_bits and not spec.is_float and 1 < spec.bits_stored < spec.bits_allocated
        self._bit_offsets = spec.is_native and spec.bits_allocated == 1
        self._ybr_to_rgb = not raw and as_rgb and spec.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422")
        if spec.is_native:
            if isinstance(self.dispatcher.plugins[0], NativeDecoder):
                self.native = NativePlan(
                    spec,
                    to_rgb=needs_rgb_conversion(spec, raw=raw, as_rgb=as_rgb),
                    correct_unused_bits=correct_unused_bits,
                )
        else:
            ext = None
            ds = source.ds
            if 0x7FE00001 in ds._dict and 0x7FE00002 in ds._dict:
                ext = (ds[0x7FE00001].value, ds[0x7FE00002].value)
            index = encaps.FragmentIndex.parse(source.read_at, source.size)
            self._ranges = encaps.frame_ranges(index, spec.number_of_frames, extended_offsets=ext, tail=source.read_at)
        self._batch = self._rle_batch()

    def _rle_batch(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(starts, stops)`` of every frame in the buffer, when dcmcore's RLE kernel may decode runs of them at once.

        That is: RLE Lossless in memory, one fragment per frame, no plugin
        options, and nothing to do after decoding but what the kernel does
        (YCbCr stays as decoded). Any frame the kernel refuses is decoded
        again through the dispatcher, for its error or a fallback.
        """
        spec, ranges = self.spec, self._ranges
        if (
            not self.batch_rle
            or ranges is None
            or spec.transfer_syntax_uid != RLE_LOSSLESS
            or self.source.buffer is None
            or self.options
            or self._ybr_to_rgb
            or spec.bits_allocated not in (8, 16, 32, 64)
            or spec.samples_per_pixel * spec.itemsize > 15
            or RLE_DECODER not in self.dispatcher.plugins
            or any(len(r) != 1 for r in ranges)
        ):
            return None
        starts = np.array([r[0][0] for r in ranges], np.intp)
        return starts, starts + np.array([r[0][1] for r in ranges], np.intp)

    @property
    def dtype(self) -> np.dtype:
        return self.spec.dtype

    # -- frames ----------------------------------------------------------
    def decode(self, first: int, count: int, out: np.ndarray, workers: int = 1, *, fresh: bool = False) -> None:
        """Decode frames ``first .. first+count-1`` into `out` (C-contiguous, `count` frames).

        `fresh` says `out` was just allocated for this call: when its memory
        is not mapped yet, each run of frames first maps its pages with
        :func:`~dcmcore._kernels.pages.prefault`, which costs less than the
        page faults of filling it from its start.
        """
        frames = out.reshape(count, *self.spec.frame_shape)
        prefault = fresh and out.nbytes >= PREFAULT_BYTES and not pages.is_mapped(byte_view(out))
        workers = min(resolve_workers(workers), count)
        if workers <= 1:
            self._decode_run(first, count, frames, prefault)
            return
        # contiguous runs of frames, a few per thread for balance (frames of
        # compressed data differ in cost) and little handing out per frame
        nchunks = min(count, workers * RUNS_PER_WORKER)
        bounds = [count * k // nchunks for k in range(nchunks + 1)]
        jobs = [(first + a, b - a, frames[a:b], prefault) for a, b in zip(bounds, bounds[1:]) if b > a]
        run_jobs(self._decode_run, jobs, workers)

    def _decode_run(self, first: int, count: int, frames: np.ndarray, prefault: bool = False) -> None:
        # `prefault`: `frames` is new memory; map its pages just ahead of the
        # frames written there, never all at once (a corrupt frame then raises
        # before the rest of a large output is touched)
        if self.native is not None:
            self._native_run(first, count, frames, prefault)
            return
        done = 0
        if self._batch is not None and self.dispatcher.first is RLE_DECODER:
            done = self._rle_runs(first, count, frames, prefault)
            if done == count:
                return
        mapped = _Mapper(frames, count, done) if prefault else None
        for k in range(done, count):
            if mapped is not None:
                mapped.upto(k + 1)
            self.decode_frame(first + k, frames[k])

    def _rle_runs(self, first: int, count: int, frames: np.ndarray, prefault: bool) -> int:
        """Decode frames with dcmcore's RLE kernel, many per call; return how many it decoded."""
        spec = self.spec
        assert self._batch is not None
        starts, stops = self._batch
        bits = spec.bits_stored if self._fix_bits else 0
        signed = spec.pixel_representation == 1
        per_call = max(1, BATCH_BYTES // max(1, spec.frame_decoded_nbytes))  # KeyboardInterrupt between calls
        done = 0
        while done < count:
            n = min(per_call, count - done)
            a, b = first + done, first + done + n
            got = rle_kernels.decode_frames(
                self.source.buffer, starts[a:b], stops[a:b], spec.rows * spec.columns,
                spec.samples_per_pixel, spec.itemsize, byte_view(frames[done : done + n]), bits, signed, prefault,
            )  # fmt: skip
            if got:
                self.dispatcher.succeeded(RLE_DECODER)
            done += got
            if got < n:
                break
        return done

    def _native_run(self, first: int, count: int, frames: np.ndarray, prefault: bool = False) -> None:
        plan = self.native
        assert plan is not None
        source = self.source
        if source.buffer is not None:
            # the lengths were checked when the session was made: this cannot fail half way
            if prefault:
                pages.prefault(byte_view(frames))
            plan.decode_into(source.buffer, 0, first, count, frames)
            return
        per_chunk = max(1, CHUNK_BYTES // max(1, self.spec.frame_nbytes))
        for lo in range(0, count, per_chunk):
            n = min(per_chunk, count - lo)
            if prefault:
                pages.prefault(byte_view(frames[lo : lo + n]))
            start, stop = plan.byte_range(first + lo, n)
            if plan.works_in_place:
                # read the stored bytes straight into the output, then convert them there
                source.readinto(start, byte_view(frames[lo : lo + n]))
                plan.transform_in_place(frames[lo : lo + n], n)
            else:
                plan.decode_into(source.read(start, stop), start, first + lo, n, frames[lo : lo + n])

    def frame_bytes(self, index: int) -> bytes | memoryview:
        """The encoded bytes of frame `index` (fragments joined when there are several)."""
        if self._ranges is not None:
            return encaps.join(self.source.read_at, self._ranges[index])
        spec = self.spec
        start, stop = (index * spec.frame_nbits) >> 3, -(-((index + 1) * spec.frame_nbits) // 8)
        return self.source.read_at(start, stop - start)

    def decode_frame(self, index: int, out: np.ndarray) -> None:
        """Decode one frame through the dispatcher into `out` (one frame), then conform it."""
        spec = self.spec
        if self.native is not None:
            self._native_run(index, 1, out.reshape(1, *spec.frame_shape))
            return
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

    def __init__(self, frames: np.ndarray, count: int, first: int = 0) -> None:
        # frames before `first` are written already: never touched again
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
            self.mapped = stop
