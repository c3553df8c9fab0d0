"""``pixel_array`` and ``iter_pixels``: DICOM pixel data to NumPy arrays (layer 6)."""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, Iterable, Iterator, Sequence

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._session import Session, resolve_workers
from dcmcore._source import open_source
from dcmcore._arrays import output_array
from dcmcore.dataset_elements import check_frame_index

__all__ = ["pixel_array", "iter_pixels"]

LOGGER = logging.getLogger("dcmcore")
Source = Dataset | str | os.PathLike | BinaryIO


def pixel_array(
    src: Source,
    *,
    index: int | None = None,
    raw: bool = False,
    as_rgb: bool = True,
    view_only: bool = False,
    decoding_plugin: str | Sequence[str] | None = None,
    correct_unused_bits: bool = True,
    allow_excess_frames: bool = True,
    out: np.ndarray | None = None,
    workers: int | None = 1,
    **options: Any,
) -> np.ndarray:
    """Return the pixel data of `src` as a NumPy array.

    Parameters
    ----------
    src : pydicom.dataset.Dataset, str, os.PathLike or file-like
        A data set with pixel data, the path of a DICOM file, or a readable
        binary file object (read from its start, then returned to its position).
        From a path or file only the frames asked for are read.
    index : int, optional
        Return only the frame at `index` (0-based); all frames when None.
    raw : bool, optional
        If True, return the decoded samples after only the minimal processing
        (bit unpacking, YBR_FULL_422 upsampling, reshaping): no YCbCr to RGB.
    as_rgb : bool, optional
        If True (default), convert YBR_FULL and YBR_FULL_422 to RGB (8-bit).
    view_only : bool, optional
        If True, return a read-only view of the data set's buffer when the
        layout allows (natively encoded, no byte swap, bit fixing, unpacking or
        colour conversion needed); otherwise a copy is returned as usual.
    decoding_plugin : str or sequence of str, optional
        The label of the plugin to decode compressed pixel data with (e.g.
        ``"gdcm"``), or labels in the order to try them. By default every
        available plugin for the transfer syntax is tried by priority, falling
        back on failure. As in pydicom, a label that no decoder of natively
        encoded data has is ignored for such data.
    correct_unused_bits : bool, optional
        If True (default), clear the bits above (0028,0101) *Bits Stored* of
        unsigned samples and sign-extend signed ones, as PS3.5 8.1.1 requires
        and pydicom does.
    allow_excess_frames : bool, optional
        If True (default, as in pydicom), natively encoded pixel data holding
        more whole frames than (0028,0008) *Number of Frames* says gives all
        of them, with a warning; if False, only *Number of Frames* frames.
    out : numpy.ndarray, optional
        A C-contiguous array of the result's shape and native dtype (or a slice
        ``big[i:j]`` of a larger frames tensor) to decode into, with no
        intermediate copy. It is returned.
    workers : int or None, optional
        Threads decoding frames concurrently (default 1; 0 or None: one per
        core). The kernels release the GIL.
    **options
        Passed to the decoding plugin.

    Returns
    -------
    numpy.ndarray
        Shaped ``(rows, columns)``, ``(rows, columns, samples)``,
        ``(frames, rows, columns)`` or ``(frames, rows, columns, samples)``
        (one frame when `index` is given), in native byte order.

    Raises
    ------
    AttributeError
        A required element is missing (:class:`~dcmcore.errors.MissingElementError`).
    ValueError
        The pixel data is shorter than its elements promise, corrupt, or a
        value is invalid; `index` is negative or not below the number of
        frames (:class:`~dcmcore.errors.FrameIndexError`, also an ``IndexError``).
    NotImplementedError
        The transfer syntax or a valid element value is not supported.
    RuntimeError
        Every plugin failed (:class:`~dcmcore.errors.PluginError`).
    """
    settings = dict(raw=raw, as_rgb=as_rgb, correct_unused_bits=correct_unused_bits, options=options)
    settings.update(decoding_plugin=decoding_plugin, allow_excess_frames=allow_excess_frames)
    with open_source(src) as source:
        session = Session(source, **settings)  # type: ignore[arg-type]
        spec = session.spec
        if index is not None:
            first, count = check_frame_index(index, spec.number_of_frames), 1
            shape = spec.frame_shape
        else:
            first, count = 0, spec.number_of_frames
            shape = spec.shape()
        if view_only and out is None:
            view, reason = session.view(first, count, squeeze=len(shape) == len(spec.frame_shape))
            if view is not None:
                return view
            LOGGER.warning("A view of the pixel data is not possible (%s); returning a copy", reason)
        if out is None:
            arr = session.new_output(first, count, shape)
        else:
            session.check_frames(range(first, first + count))
            arr = output_array(out, shape, session.dtype)
        session.decode(first, count, arr, workers=workers, fresh=out is None)
        return arr


def iter_pixels(
    src: Source,
    *,
    indices: Iterable[int] | None = None,
    raw: bool = False,
    as_rgb: bool = True,
    view_only: bool = False,
    decoding_plugin: str | Sequence[str] | None = None,
    correct_unused_bits: bool = True,
    allow_excess_frames: bool = True,
    out: np.ndarray | None = None,
    workers: int | None = 1,
    **options: Any,
) -> Iterator[np.ndarray]:
    """Yield the frames of `src` one at a time.

    From a path or file object only one frame's bytes are read per step, so
    memory stays near one frame whatever the number of frames.

    Parameters
    ----------
    src, raw, as_rgb, view_only, decoding_plugin, correct_unused_bits, allow_excess_frames, options
        As for :func:`pixel_array`.
    indices : iterable of int, optional
        The frames to yield, in that order; all frames when None.
    out : numpy.ndarray, optional
        Either one frame's shape, reused for every frame (each yielded array
        is `out`, overwritten by the next step), or ``(len(indices), *frame)``,
        where the k-th frame is decoded into ``out[k]`` and that view yielded.
    workers : int or None, optional
        Threads decoding the next frames ahead while the caller works on the
        current one (default 1: none; 0 or None: one per core). At most
        ``2 * workers`` frames are in flight, so memory stays near that many
        frames. Each frame then needs its own array: a reused one-frame `out`
        is refused.

    Yields
    ------
    numpy.ndarray
        ``(rows, columns)`` or ``(rows, columns, samples)``.
    """
    settings = dict(raw=raw, as_rgb=as_rgb, correct_unused_bits=correct_unused_bits, options=options)
    settings.update(decoding_plugin=decoding_plugin, allow_excess_frames=allow_excess_frames)
    with open_source(src) as source:
        session = Session(source, **settings)  # type: ignore[arg-type]
        spec = session.spec
        frame_shape = spec.frame_shape
        if out is not None and not isinstance(out, np.ndarray):
            raise TypeError(f"'out' must be a numpy.ndarray, not {type(out).__name__}")
        per_frame_out = out is not None and out.ndim == len(frame_shape) + 1 and out.shape[1:] == frame_shape
        if per_frame_out:
            out = output_array(out, out.shape, session.dtype)
        elif out is not None:
            out = output_array(out, frame_shape, session.dtype)
        order = range(spec.number_of_frames) if indices is None else indices
        nworkers = resolve_workers(workers)
        views = view_only and out is None and session.view(0, 1, squeeze=True)[0] is not None
        if nworkers > 1 and not views:
            if out is not None and not per_frame_out:
                raise ValueError(
                    "'out' of one frame is reused for every frame, which decoding ahead with workers > 1 "
                    "cannot do: pass out=None or one array per frame, shaped (len(indices), *frame)"
                )
            yield from _iter_ahead(session, order, out, nworkers)
            return
        for k, index in enumerate(order):
            index = check_frame_index(index, spec.number_of_frames)
            if views:
                yield session.view(index, 1, squeeze=True)[0]
                continue
            if per_frame_out:
                assert out is not None
                if k >= out.shape[0]:
                    raise ValueError(f"'out' holds {out.shape[0]} frames, more indices were given")
                target = out[k]
            elif out is not None:
                target = out
            else:
                target = session.new_output(index, 1, frame_shape)
            if out is not None:
                session.check_frames((index,))
            session.decode(index, 1, target, fresh=out is None)
            yield target


def _iter_ahead(session: Session, order: Iterable[int], out: np.ndarray | None, workers: int) -> Iterator[np.ndarray]:
    """Yield frames in `order`, decoding up to ``2 * workers`` of them ahead on threads."""
    spec = session.spec
    pending: deque = deque()
    todo = iter(enumerate(order))

    def submit(pool: ThreadPoolExecutor) -> bool:
        item = next(todo, None)
        if item is None:
            return False
        k, index = item
        index = check_frame_index(index, spec.number_of_frames)
        if out is not None:
            if k >= out.shape[0]:
                raise ValueError(f"'out' holds {out.shape[0]} frames, more indices were given")
            session.check_frames((index,))
            target = out[k]
        else:
            target = session.new_output(index, 1, spec.frame_shape)
        pending.append((pool.submit(session.decode, index, 1, target, fresh=out is None), target))
        return True

    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            while len(pending) < 2 * workers and submit(pool):
                pass
            while pending:
                future, target = pending.popleft()
                future.result()
                submit(pool)
                yield target
        finally:
            for future, _ in pending:  # the caller stopped early: do not decode the rest
                future.cancel()
