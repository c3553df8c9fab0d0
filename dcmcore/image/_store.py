"""Where an :class:`~dcmcore.image.Image`'s frames come from: one source and one decoding session.

A :class:`FrameStore` is made once per image: for a lazy image it opens the
file, reads the data set up to Pixel Data and builds the frame index (native
data: arithmetic; encapsulated data: the offset tables or one pass over the
item headers); for an image in memory it wraps the Pixel Data value. Every
frame read afterwards goes through the same :class:`~dcmcore._session.Session`,
which reads only that frame's bytes from the file.

The file is closed by :meth:`FrameStore.close`, or when the store is garbage
collected (a ``weakref.finalize`` callback, so no ``ResourceWarning``). The
store never references the image it serves: the data set the session reads
(for the Extended Offset Table) is a twin sharing the image's elements, so
dropping the image frees the store, and closes the file, at once.
"""

from __future__ import annotations

import os
import threading
import weakref
from contextlib import ExitStack
from typing import Any, BinaryIO, Iterable, Sequence

import numpy as np
from pydicom.dataset import Dataset

from dcmcore._allocation import allocate
from dcmcore._arrays import output_array
from dcmcore._session import Session, resolve_workers
from dcmcore._source import PixelSource, open_source
from dcmcore._threads import run_jobs
from dcmcore.errors import DcmcoreError

__all__ = ["FrameStore", "ClosedImageError", "twin"]


class ClosedImageError(DcmcoreError, ValueError):
    """A frame was asked of a lazily read image whose file was closed."""


def twin(ds: Dataset, cls: type = Dataset) -> Dataset:
    """A data set of class `cls` sharing `ds`'s elements (and file meta), without copying them."""
    other = cls.__new__(cls)
    other.__dict__.update(ds.__dict__)
    return other


class FrameStore:
    """The frames of one image, decoded through one :class:`Session`.

    Parameters
    ----------
    source : PixelSource
        The pixel data (in memory, or read from a file kept open).
    stack : ExitStack or None
        What closes the file, for a source read from a file.
    decoding_plugin : str, sequence of str or None
        As for :func:`dcmcore.pixel_array`.
    """

    def __init__(self, source: PixelSource, stack: ExitStack | None = None, decoding_plugin: Any = None) -> None:
        self.source = source
        self.session = Session(source, decoding_plugin=decoding_plugin)
        self.spec = self.session.spec
        self.lazy = stack is not None
        self._lock = threading.Lock()
        self._local = threading.local()
        self._finalizer = weakref.finalize(self, stack.close) if stack is not None else None
        if not self.spec.is_native and self.spec.number_of_frames:
            # the fragment index, built once (offset tables or item headers, no payload read)
            self.session.check_frames((0,))

    # -- construction -------------------------------------------------------
    @classmethod
    def open_file(cls, fp: str | os.PathLike[str] | BinaryIO, decoding_plugin: Any = None) -> tuple[Dataset, FrameStore]:
        """Open `fp` (a path or a seekable binary file) and index its frames; the file stays open.

        Returns the data set read up to Pixel Data, and the store (which
        holds a twin of it, not it).
        """
        stack = ExitStack()
        try:
            source = stack.enter_context(open_source(fp))
            header = source.ds
            source.ds = twin(header)  # the image gets the header object, not this store
            return header, cls(source, stack, decoding_plugin)
        except BaseException:
            stack.close()
            raise

    @classmethod
    def in_memory(cls, ds: Dataset, decoding_plugin: Any = None) -> FrameStore:
        """The frames of a data set that holds its pixel data."""
        with open_source(twin(ds)) as source:
            return cls(source, None, decoding_plugin)

    # -- state ----------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._finalizer is not None and not self._finalizer.alive

    def close(self) -> None:
        """Close the file (a no-op for an image in memory, or when closed already)."""
        if self._finalizer is not None:
            self._finalizer()

    def _check_open(self) -> None:
        if self.closed:
            raise ClosedImageError("The image's file was closed: its frames can no longer be read")

    @property
    def number_of_frames(self) -> int:
        return self.spec.number_of_frames

    @property
    def plugin_label(self) -> str | None:
        return self.session.plugin_label

    def holds(self, value: Any) -> bool:
        """Whether this store was made from the pixel data value `value` (for an image in memory)."""
        buf = self.source.buffer
        if buf is None:
            return True
        return buf.obj is value or (isinstance(value, memoryview) and value.obj is buf.obj)

    # -- frames ---------------------------------------------------------------
    def raw_frame(self, index: int) -> bytes:
        """Frame `index`'s encoded bytes (several fragments joined)."""
        self._check_open()
        return bytes(self.session.frame_bytes(index))

    def frame(self, index: int, out: np.ndarray | None = None) -> np.ndarray:
        """Frame `index` of stored values, into `out` when given."""
        if self._finalizer is not None and not self._finalizer.alive:
            self._check_open()
        return self.session.decode_one(index, out)

    def scratch_frame(self, index: int) -> np.ndarray:
        """Frame `index` of stored values in this thread's scratch array: valid until the thread's next call.

        For a caller that only reads the stored values on the way to its own
        output (a transform), so no new array is allocated per frame.
        """
        local = self._local
        scratch = getattr(local, "frame", None)
        if scratch is None:
            scratch = local.frame = np.empty(self.spec.frame_shape, self.spec.dtype)
        return self.frame(index, scratch)

    def frames(self, indices: Sequence[int], out: np.ndarray | None = None, workers: int | None = 1) -> np.ndarray:
        """Frames `indices` stacked on a first axis; runs of consecutive frames decoded together, on threads."""
        self._check_open()
        session, spec = self.session, self.spec
        count = len(indices)
        shape = (count, *spec.frame_shape)
        if out is None:
            session.check_frames(indices)
            out = allocate(shape, spec.dtype)
        else:
            out = output_array(out, shape, spec.dtype)
            session.check_frames(indices)
        runs = list(_runs(indices))
        nworkers = min(resolve_workers(workers), count) if count else 1
        if len(runs) == 1:
            first, lo, hi = runs[0]
            session.decode(first, hi - lo, out[lo:hi], workers=nworkers)
            return out
        if nworkers <= 1:
            for first, lo, hi in runs:
                session.decode(first, hi - lo, out[lo:hi])
            return out
        run_jobs(lambda first, lo, hi: session.decode(first, hi - lo, out[lo:hi]), runs, nworkers)
        return out

    def all_frames(self, workers: int | None = 1) -> np.ndarray:
        """Every frame, shaped as :func:`dcmcore.pixel_array` shapes them (no frame axis for one frame)."""
        self._check_open()
        spec = self.spec
        shape = spec.shape()
        out = self.session.new_output(0, spec.number_of_frames, shape)
        self.session.decode(0, spec.number_of_frames, out, workers=workers, fresh=True)
        return out


def _runs(indices: Iterable[int]) -> Iterable[tuple[int, int, int]]:
    """``(first frame, lo, hi)``: runs of consecutive frame indices at positions ``lo .. hi-1``."""
    lo = 0
    first = prev = None
    k = 0
    for k, index in enumerate(indices):
        if first is None:
            first = prev = index
            continue
        if index != prev + 1:
            yield first, lo, k
            first, lo = index, k
        prev = index
    if first is not None:
        yield first, lo, k + 1
