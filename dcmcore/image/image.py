"""``Image``: a pydicom data set whose frames are decoded, transformed and tiled by dcmcore.

An :class:`Image` is a :class:`pydicom.dataset.Dataset`, so everything
pydicom does with a data set works on it; it adds highdicom's frame-level
API on dcmcore's own layers: frames come from a
:class:`~dcmcore.image._store.FrameStore` (one decoding session, the frame
index built once), transforms from a cached
:class:`~dcmcore.transforms.TransformChain`.
"""

from __future__ import annotations

import copy as _copy
import os
import threading
from typing import Any, BinaryIO, Iterable, Iterator, Sequence

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore._arrays import new_array
from dcmcore._session import resolve_workers
from dcmcore.dataset_elements import plain_value, transfer_syntax_of
from dcmcore.errors import MissingElementError
from dcmcore.image._chains import OPTION_NAMES, ChainCache
from dcmcore.image._metadata import COLUMN_POSITION, ROW_POSITION, MetadataMixin
from dcmcore.image._numbers import frame_index, region_indices
from dcmcore.image._store import FrameStore, twin
from dcmcore.image._tiles import TileLayout, read_region
from dcmcore.spec import PIXEL_KEYWORDS

__all__ = ["Image", "imread"]

_STATE = (
    "_image_store", "_image_chains", "_image_lock", "_image_lazy", "_image_plugin", "_image_tiles", "_image_cache",
    "_image_nframes",
)
_NUMBER_OF_FRAMES = 0x00280008
_PIXEL_TAGS = tuple(PIXEL_KEYWORDS.values())
Path = str | os.PathLike[str] | BinaryIO


def _options(
    dtype: Any, apply_real_world_transform: Any, real_world_value_map_selector: Any, apply_modality_transform: Any,
    apply_voi_transform: Any, voi_transform_selector: Any, voi_output_range: Any, apply_presentation_lut: Any,
    apply_palette_color_lut: Any, apply_icc_profile: Any,
) -> dict[str, Any]:
    return dict(zip(OPTION_NAMES, (
        dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
        apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
        apply_palette_color_lut, apply_icc_profile,
    )))


class Image(MetadataMixin, Dataset):
    """An image data set with frame access: stored, raw, transformed, stacked, tiled.

    Make one with :func:`imread`, :meth:`from_file` or :meth:`from_dataset`.
    Frames are numbered from 1 as in DICOM (``as_index=True`` takes 0-based
    indices). With ``lazy_frame_retrieval=True`` the file stays open and each
    frame read reads only that frame's bytes; close it with :meth:`close` or
    a ``with`` block (it is also closed when the image is garbage collected).
    A lazy image can be read from several threads at once.

    Iterating over an Image iterates over its data elements, as for any
    data set; iterate over frames with :meth:`iter_frames`.
    """

    # -- construction ---------------------------------------------------------
    @classmethod
    def _wrap(cls, ds: Dataset, store: FrameStore | None, lazy: bool, decoding_plugin: Any) -> Image:
        if isinstance(ds, cls):
            image = ds
        else:
            ds.__class__ = cls
            image = ds  # type: ignore[assignment]
        image.__dict__.update(
            _image_store=store, _image_chains=None, _image_lock=threading.Lock(), _image_lazy=lazy,
            _image_plugin=decoding_plugin, _image_tiles=None, _image_cache=None, _image_nframes=None,
        )
        return image

    @classmethod
    def from_dataset(cls, dataset: Dataset, copy: bool = True, *, decoding_plugin: Any = None) -> Image:
        """An Image of `dataset` (a deep copy of it with `copy`, else `dataset` itself, turned into an Image).

        `decoding_plugin` (a dcmcore extension): the plugin label, or labels
        in order, to decode compressed frames with.
        """
        if not isinstance(dataset, Dataset):
            raise TypeError(f"'dataset' must be a pydicom Dataset, not {type(dataset).__name__}")
        if isinstance(dataset, Image) and dataset._image_lazy:
            if not copy:
                return dataset
            return _copy.deepcopy(dataset)
        ds = _copy.deepcopy(dataset) if copy else dataset
        return cls._wrap(ds, None, False, decoding_plugin)

    @classmethod
    def from_file(cls, fp: Path, lazy_frame_retrieval: bool = False, *, decoding_plugin: Any = None) -> Image:
        """Read an image from a DICOM file (a path or a seekable binary file object).

        With `lazy_frame_retrieval`, only the data set up to Pixel Data is
        read, and the frame index is built once; frames are read from the
        file when asked for. Otherwise the whole file is read now.
        """
        if isinstance(fp, bytes):
            fp = os.fsdecode(fp)
        if lazy_frame_retrieval:
            header, store = FrameStore.open_file(fp, decoding_plugin)
            return cls._wrap(header, store, True, decoding_plugin)
        return cls._wrap(pydicom.dcmread(fp), None, False, decoding_plugin)

    def __deepcopy__(self, memo: dict) -> Image:
        other = type(self).__new__(type(self))
        memo[id(self)] = other
        for key, value in self.__dict__.items():
            if key in _STATE:
                continue
            other.__dict__[key] = _copy.deepcopy(value, memo)
        return type(self)._wrap(other, self._image_store if self._image_lazy else None, self._image_lazy, self._image_plugin)

    def __reduce_ex__(self, protocol: Any) -> Any:
        if self.__dict__.get("_image_lazy"):
            raise TypeError("A lazily read Image holds an open file and cannot be pickled; read it with lazy_frame_retrieval=False")
        state = {k: v for k, v in self.__dict__.items() if k not in _STATE}
        return (_restore, (type(self), state, self.__dict__.get("_image_plugin")))

    # -- the file ---------------------------------------------------------------
    def close(self) -> None:
        """Close the file of a lazily read image (a no-op otherwise)."""
        store = self.__dict__.get("_image_store")
        if store is not None and store.lazy:
            store.close()

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- frames: where they come from -----------------------------------------
    def _store(self) -> FrameStore:
        store: FrameStore | None = self._image_store
        if self._image_lazy:
            assert store is not None
            return store
        elem = next((self._dict[t] for t in _PIXEL_TAGS if t in self._dict), None)
        value = None if elem is None else self[elem.tag].value
        if store is None or not store.holds(value):
            with self._image_lock:
                store = self._image_store
                if store is None or not store.holds(value):
                    if elem is None:
                        raise MissingElementError(
                            "The image has no (7FE0,0010) 'Pixel Data', (7FE0,0008) 'Float Pixel Data' or "
                            "(7FE0,0009) 'Double Float Pixel Data' element: it has no frames"
                        )
                    store = FrameStore.in_memory(self, self._image_plugin)
                    self.__dict__["_image_store"] = store
                    self.__dict__["_image_cache"] = None
        return store

    def _chains(self) -> ChainCache:
        chains = self._image_chains
        if chains is None:
            chains = self.__dict__["_image_chains"] = ChainCache(self)
        return chains

    @property
    def number_of_frames(self) -> int:
        """The number of frames: (0028,0008) *Number of Frames*, 1 when absent."""
        elem = self._dict.get(_NUMBER_OF_FRAMES)
        if elem is None:
            return 1
        cached = self.__dict__.get("_image_nframes")
        if cached is not None and cached[0] is elem and cached[1] is elem.value:
            return cached[2]  # the element (and its value) unchanged since last asked
        value = plain_value(self, _NUMBER_OF_FRAMES)
        count = int(value) if value not in (None, "") else 1
        elem = self._dict.get(_NUMBER_OF_FRAMES)  # converted when pydicom read it
        self.__dict__["_image_nframes"] = (elem, getattr(elem, "value", None), count)
        return count

    @property
    def transfer_syntax_uid(self) -> UID:
        """The transfer syntax of the pixel data."""
        return UID(transfer_syntax_of(self))

    @property
    def plugin_label(self) -> str | None:
        """The label of the plugin that decoded this image's last frames (None before any)."""
        store = self.__dict__.get("_image_store")
        return None if store is None else store.plugin_label

    def _index(self, frame_number: Any, as_index: bool) -> int:
        return frame_index(frame_number, self.number_of_frames, as_index)

    # -- frames ------------------------------------------------------------------
    def get_raw_frame(self, frame_number: int, as_index: bool = False) -> bytes:
        """The encoded bytes of one frame (its fragments joined, or its slice of native data).

        For 1-bit native data whose frames do not start on a byte boundary,
        the smallest run of bytes that holds the whole frame: bits of the
        frames either side may need stripping.
        """
        index = self._index(frame_number, as_index)
        return self._store().raw_frame(index)

    def get_stored_frame(self, frame_number: int, as_index: bool = False) -> np.ndarray:
        """One frame of stored values (decoded, no pixel transform): ``(rows, columns[, samples])``."""
        index = self._index(frame_number, as_index)
        return self._store().frame(index)

    def get_stored_frames(self, frame_numbers: Iterable[int] | None = None, as_indices: bool = False, *, workers: int | None = 1) -> np.ndarray:
        """Frames of stored values stacked on a first axis (all frames when None), decoded on `workers` threads."""
        indices = self._indices(frame_numbers, as_indices)
        return self._store().frames(indices, workers=workers)

    def _indices(self, frame_numbers: Iterable[int] | None, as_indices: bool) -> list[int]:
        n = self.number_of_frames
        if frame_numbers is None:
            return list(range(n))
        return [frame_index(f, n, as_indices, "frame_numbers") for f in frame_numbers]

    def get_frame(
        self, frame_number: int, as_index: bool = False, *, dtype: Any = np.float64,
        apply_real_world_transform: bool | None = None, real_world_value_map_selector: Any = 0,
        apply_modality_transform: bool | None = None, apply_voi_transform: bool | None = False,
        voi_transform_selector: Any = 0, voi_output_range: tuple[float, float] = (0.0, 1.0),
        apply_presentation_lut: bool = True, apply_palette_color_lut: bool | None = None,
        apply_icc_profile: bool | None = None,
    ) -> np.ndarray:
        """One frame with the image's pixel transforms applied, as highdicom's ``get_frame``.

        The options are those of :meth:`dcmcore.TransformChain.from_dataset`;
        a window the file does not store is given as
        ``voi_transform_selector=VOILUTTransformation(window_center=..., window_width=...)``
        (dcmcore's class or highdicom's). The chain is built once per
        options (and per frame group when per-frame functional groups hold
        transforms), then reused.
        """
        index = self._index(frame_number, as_index)
        options = _options(
            dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
            apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
            apply_palette_color_lut, apply_icc_profile,
        )
        chain = self._chains().chain(index, options)
        # the stored values go through a per-thread scratch frame into the one new array returned
        stored = self._store().scratch_frame(index)
        shape = stored.shape + ((3,) if chain.color_output and stored.ndim == 2 else ())
        out = new_array(shape, chain.dtype, "the frame", huge_pages=True)
        result = chain(stored, out=out)
        if result is not out and np.may_share_memory(result, stored):
            result = result.copy()
        return result

    def get_frames(
        self, frame_numbers: Iterable[int] | None = None, as_indices: bool = False, *, dtype: Any = np.float64,
        apply_real_world_transform: bool | None = None, real_world_value_map_selector: Any = 0,
        apply_modality_transform: bool | None = None, apply_voi_transform: bool | None = False,
        voi_transform_selector: Any = 0, voi_output_range: tuple[float, float] = (0.0, 1.0),
        apply_presentation_lut: bool = True, apply_palette_color_lut: bool | None = None,
        apply_icc_profile: bool | None = None, workers: int | None = 1,
    ) -> np.ndarray:
        """Frames with transforms applied, stacked on a first axis (all frames when None).

        The stored frames are decoded into one array (runs of consecutive
        frames together, on `workers` threads), then transformed in one pass
        when one transform serves them all.
        """
        indices = self._indices(frame_numbers, as_indices)
        options = _options(
            dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
            apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
            apply_palette_color_lut, apply_icc_profile,
        )
        stored = self._store().frames(indices, workers=workers)
        chains = self._chains()
        if not indices:
            return chains.shared(options)(stored) if stored.size else stored.astype(np.dtype(dtype))
        chain = chains.chain(indices[0], options)
        if chain.applies_to_all_frames:
            shape = stored.shape + ((3,) if chain.color_output and stored.ndim == 3 else ())
            return chain(stored, out=new_array(shape, chain.dtype, "the frames", huge_pages=True))
        return np.stack([chains.chain(i, options)(f) for i, f in zip(indices, stored)])

    def iter_frames(
        self, frame_numbers: Iterable[int] | None = None, as_indices: bool = False, **options: Any
    ) -> Iterator[np.ndarray]:
        """Yield frames one at a time with transforms applied (`options` as for :meth:`get_frame`)."""
        for index in self._indices(frame_numbers, as_indices):
            yield self.get_frame(index, as_index=True, **options)

    @property
    def pixel_array(self) -> np.ndarray:  # type: ignore[override]
        """Every frame's stored values: ``(frames, rows, columns[, samples])``, no frame axis for one frame.

        For an image in memory the array is kept until the pixel data
        element changes, as pydicom keeps it; a lazy image decodes it anew.
        """
        store = self._store()
        if store.lazy:
            return store.all_frames()
        cached = self._image_cache
        if cached is None or cached[0] is not store:
            cached = (store, store.all_frames())
            self.__dict__["_image_cache"] = cached
        return cached[1]

    # -- tiled images --------------------------------------------------------------
    @property
    def is_tiled(self) -> bool:
        """Whether the image is a tiled multi-frame image (it has a total pixel matrix)."""
        return "TotalPixelMatrixRows" in self and "TotalPixelMatrixColumns" in self and "NumberOfFrames" in self

    def is_indexable_as_total_pixel_matrix(self) -> bool:
        """Whether frames can be placed by row and column in the total pixel matrix.

        True for a tiled image whose dimension indices include the row and
        column positions in the total pixel matrix, and for a TILED_FULL one,
        whose tile grid implies them.
        """
        if not self.is_tiled:
            return False
        if self.get("DimensionOrganizationType", "") == "TILED_FULL":
            return True
        pointers = self.dimension_index_pointers
        return ROW_POSITION in pointers and COLUMN_POSITION in pointers

    def _tile_layout(self) -> TileLayout:
        layout = self._image_tiles
        if layout is None:
            layout = self.__dict__["_image_tiles"] = TileLayout.from_dataset(self, self.number_of_frames)
        return layout

    def get_total_pixel_matrix(
        self, row_start: int | None = None, row_end: int | None = None, column_start: int | None = None,
        column_end: int | None = None, dtype: Any = np.float64, apply_real_world_transform: bool | None = None,
        real_world_value_map_selector: Any = 0, apply_modality_transform: bool | None = None,
        apply_voi_transform: bool | None = False, voi_transform_selector: Any = 0,
        voi_output_range: tuple[float, float] = (0.0, 1.0), apply_presentation_lut: bool = True,
        apply_palette_color_lut: bool | None = None, apply_icc_profile: bool | None = None,
        as_indices: bool = False, *, workers: int | None = 1, allow_missing_frames: bool = False,
    ) -> np.ndarray:
        """A region of the total pixel matrix of a tiled image, with transforms applied.

        Rows and columns are numbered from 1, ends excluded (0-based indices
        with `as_indices`); negative values count from the end. Only the
        tiles the region touches are decoded, on `workers` threads (0 or
        None: one per core), each copied into its place; edge tiles are
        clipped. As in highdicom, a TILED_SPARSE region that a missing tile
        should cover is refused, unless `allow_missing_frames` (a dcmcore
        extension), which leaves it 0 as highdicom leaves blank positions.

        Raises
        ------
        RuntimeError
            The image is not tiled, cannot be indexed as a total pixel
            matrix, several frames lie at one position of the region, or a
            tile of the region is missing (without `allow_missing_frames`).
        """
        if not self.is_tiled:
            raise RuntimeError("The image is not a tiled image: it has no total pixel matrix")
        if not self.is_indexable_as_total_pixel_matrix():
            raise RuntimeError(
                "The image's dimension indices do not include the row and column positions in the total "
                "pixel matrix, so its frames cannot be placed in it"
            )
        layout = self._tile_layout()
        r0, r1, c0, c1 = region_indices(row_start, row_end, column_start, column_end, *layout.total_shape, as_indices)
        options = _options(
            dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
            apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
            apply_palette_color_lut, apply_icc_profile,
        )
        chains = self._chains()
        shared = chains.shared(options)
        color = shared.color_output
        out = np.zeros((r1 - r0, c1 - c0, *((3,) if color else ())), dtype=shared.dtype)
        pieces = layout.plan(r0, r1, c0, c1)
        if not allow_missing_frames and not layout.full and len(pieces) != layout.grid_tiles(r0, r1, c0, c1):
            raise RuntimeError(
                "Tiles of the region are missing from the image (TILED_SPARSE): pass allow_missing_frames=True "
                "to leave their pixels 0"
            )
        store = self._store()
        # each tile is decoded into its thread's scratch frame (transformed into a second one), and
        # only the part the region needs is copied into the output: no array allocated per tile
        if shared.is_identity and shared.dtype == store.spec.dtype:
            fetch = store.scratch_frame  # stored values as they are: copied straight into the output
        else:
            local = threading.local()
            if shared.applies_to_all_frames:
                def fetch(index: int) -> np.ndarray:
                    return _transform_into_scratch(shared, store.scratch_frame(index), local)
            else:
                def fetch(index: int) -> np.ndarray:
                    return _transform_into_scratch(chains.chain(index, options), store.scratch_frame(index), local)
        return read_region(pieces, out, fetch, resolve_workers(workers))


    # -- volumes (implemented in dcmcore.volume.image_volume) -------------------------
    def get_volume_geometry(
        self, *, rtol: float | None = None, atol: float | None = None, perpendicular_tol: float | None = None,
        allow_missing_positions: bool = False, allow_duplicate_positions: bool = True,
    ) -> Any:
        """The image's :class:`~dcmcore.volume.VolumeGeometry` (frames stacked along their normal, a single frame
        or a tiled total pixel matrix), or None when it is not a regularly spaced volume, as highdicom's."""
        from dcmcore.volume.image_volume import image_volume_geometry

        return image_volume_geometry(
            self, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol,
            allow_missing_positions=allow_missing_positions, allow_duplicate_positions=allow_duplicate_positions,
        )  # fmt: skip

    def get_volume(
        self, *, slice_start: int | None = None, slice_end: int | None = None, row_start: int | None = None,
        row_end: int | None = None, column_start: int | None = None, column_end: int | None = None,
        as_indices: bool = False, dtype: Any = np.float64, apply_real_world_transform: bool | None = None,
        real_world_value_map_selector: Any = 0, apply_modality_transform: bool | None = None,
        apply_voi_transform: bool | None = False, voi_transform_selector: Any = 0,
        voi_output_range: tuple[float, float] = (0.0, 1.0), apply_presentation_lut: bool = True,
        apply_palette_color_lut: bool | None = None, apply_icc_profile: bool | None = None,
        allow_missing_positions: bool = False, rtol: float | None = None, atol: float | None = None,
        perpendicular_tol: float | None = None, workers: int | None = 1,
    ) -> Any:
        """A :class:`~dcmcore.volume.Volume` of the image, as highdicom's: slices, rows and columns numbered
        from 1 (0-based with `as_indices`), frames decoded on `workers` threads into the output."""
        from dcmcore.volume.image_volume import image_volume

        options = _options(
            dtype, apply_real_world_transform, real_world_value_map_selector, apply_modality_transform,
            apply_voi_transform, voi_transform_selector, voi_output_range, apply_presentation_lut,
            apply_palette_color_lut, apply_icc_profile,
        )
        chains = self._chains()
        return image_volume(
            self, lambda index, out=None: self._store().frame(index, out),
            lambda index: chains.shared(options) if index is None else chains.chain(index, options),
            lambda r0, r1, c0, c1: self.get_total_pixel_matrix(r0, r1, c0, c1, as_indices=True, workers=workers, **options),
            slice_start=slice_start, slice_end=slice_end, row_start=row_start, row_end=row_end,
            column_start=column_start, column_end=column_end, as_indices=as_indices,
            allow_missing_positions=allow_missing_positions, rtol=rtol, atol=atol, perpendicular_tol=perpendicular_tol,
            workers=workers,
        )  # fmt: skip


def _restore(cls: type, state: dict, decoding_plugin: Any) -> Image:
    ds = Dataset.__new__(Dataset)
    ds.__dict__.update(state)
    return cls._wrap(ds, None, False, decoding_plugin)  # type: ignore[attr-defined]


def imread(fp: Path, lazy_frame_retrieval: bool = False, *, decoding_plugin: Any = None) -> Image:
    """Read an image from a DICOM file: :meth:`Image.from_file`."""
    return Image.from_file(fp, lazy_frame_retrieval=lazy_frame_retrieval, decoding_plugin=decoding_plugin)


def as_image(ds: Dataset) -> Image:
    """`ds` itself if an Image, else an Image sharing its elements (no copy)."""
    if isinstance(ds, Image):
        return ds
    return Image._wrap(twin(ds), None, False, None)


def _transform_into_scratch(chain: Any, stored: np.ndarray, local: threading.local) -> np.ndarray:
    """`chain` applied to `stored` in this thread's scratch output (valid until its next use)."""
    shape = stored.shape + ((3,) if chain.color_output and stored.ndim == 2 else ())
    scratch = getattr(local, "out", None)
    if scratch is None or scratch.shape != shape or scratch.dtype != chain.dtype:
        scratch = local.out = np.empty(shape, chain.dtype)
    return chain(stored, out=scratch)
