"""Tiled whole-slide images made here: TILED_FULL and TILED_SPARSE, native or JPEG Baseline (Pillow).

The total pixel matrix is a known array (``matrix``); the tiles are cut from
it, so a region read back must equal the matrix's slice exactly (native) or
the tiles decoded one by one (JPEG). Edge tiles are padded with
``PAD_VALUE`` beyond the matrix, which a correct reader never shows.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, VLWholeSlideMicroscopyImageStorage, generate_uid

PAD_VALUE = 77


def matrix(total_rows: int, total_cols: int, color: bool, seed: int = 0) -> np.ndarray:
    """A smooth-ish total pixel matrix (JPEG friendly) with some noise."""
    rng = np.random.default_rng(seed)
    r = np.arange(total_rows)[:, None]
    c = np.arange(total_cols)[None, :]
    base = ((r * 3 + c * 5) % 200 + rng.integers(0, 40, (total_rows, total_cols))).astype(np.uint8)
    if not color:
        return base
    return np.stack([base, (base // 2 + 60).astype(np.uint8), (255 - base).astype(np.uint8)], axis=-1)


def _tiles(mat: np.ndarray, tile: tuple[int, int]) -> list[tuple[int, int, np.ndarray]]:
    """(row, col, tile array) row by row, edge tiles padded with PAD_VALUE."""
    th, tw = tile
    out = []
    for r in range(0, mat.shape[0], th):
        for c in range(0, mat.shape[1], tw):
            t = np.full((th, tw, *mat.shape[2:]), PAD_VALUE, np.uint8)
            piece = mat[r : r + th, c : c + tw]
            t[: piece.shape[0], : piece.shape[1]] = piece
            out.append((r, c, t))
    return out


def _jpeg(tile: np.ndarray, quality: int = 90) -> bytes:
    from PIL import Image as PILImage

    buf = io.BytesIO()
    if tile.ndim == 3:
        PILImage.fromarray(tile, "RGB").save(buf, "JPEG", quality=quality, subsampling=2)  # 4:2:0 -> YBR_FULL_422
    else:
        PILImage.fromarray(tile, "L").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def tiled_dataset(
    mat: np.ndarray,
    tile: tuple[int, int] = (16, 16),
    *,
    full: bool = True,
    jpeg: bool = False,
    planes: int = 1,
    paths: int = 1,
    drop: tuple[int, ...] = (),
    shuffle: bool = False,
) -> Dataset:
    """A VL Whole Slide Microscopy image of `mat` cut into `tile`-sized frames.

    `planes` focal planes and `paths` optical paths repeat the grid (the
    same pixels, +k per repeat for native data). TILED_SPARSE images
    (`full` False) may `drop` tiles (grid indices) and list the rest in a
    shuffled order.
    """
    color = mat.ndim == 3
    grid = _tiles(mat, tile)
    frames: list[tuple[int, int, int, int, np.ndarray]] = []  # (row, col, plane, path, tile)
    for path in range(paths):
        for plane in range(planes):
            for k, (r, c, t) in enumerate(grid):
                if not full and k in drop:
                    continue
                bump = (plane + path * planes)
                frames.append((r, c, plane, path, (t.astype(np.int16) + bump).clip(0, 255).astype(np.uint8) if bump else t))
    if shuffle and not full:
        order = np.random.default_rng(1).permutation(len(frames))
        frames = [frames[i] for i in order]

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg else ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = VLWholeSlideMicroscopyImageStorage
    ds.SOPClassUID = VLWholeSlideMicroscopyImageStorage
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.FrameOfReferenceUID = generate_uid()
    ds.Modality = "SM"
    ds.PatientName, ds.PatientID = "Tiled^Test", "T1"
    ds.ImageType = ["DERIVED", "PRIMARY", "VOLUME", "NONE"]
    ds.Rows, ds.Columns = tile
    ds.SamplesPerPixel = 3 if color else 1
    ds.PhotometricInterpretation = ("YBR_FULL_422" if jpeg else "RGB") if color else "MONOCHROME2"
    if color:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.NumberOfFrames = len(frames)
    ds.TotalPixelMatrixRows, ds.TotalPixelMatrixColumns = mat.shape[:2]
    ds.TotalPixelMatrixFocalPlanes = planes
    ds.NumberOfOpticalPaths = paths
    ds.DimensionOrganizationType = "TILED_FULL" if full else "TILED_SPARSE"
    ds.ImageOrientationSlide = [0, 1, 0, 1, 0, 0]
    origin = Dataset()
    origin.XOffsetInSlideCoordinateSystem, origin.YOffsetInSlideCoordinateSystem = 10.0, 20.0
    ds.TotalPixelMatrixOriginSequence = [origin]
    ds.ContainerIdentifier = "C1"
    ds.SpecimenDescriptionSequence = []
    measures = Dataset()
    measures.PixelSpacing = [0.001, 0.001]
    measures.SliceThickness = 0.001
    shared = Dataset()
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    optical = []
    for path in range(paths):
        item = Dataset()
        item.OpticalPathIdentifier = str(path + 1)
        optical.append(item)
    ds.OpticalPathSequence = optical
    org = Dataset()
    org.DimensionOrganizationUID = generate_uid()
    ds.DimensionOrganizationSequence = [org]
    if not full:
        pointers = []
        for keyword, group in (
            ("ColumnPositionInTotalImagePixelMatrix", "PlanePositionSlideSequence"),
            ("RowPositionInTotalImagePixelMatrix", "PlanePositionSlideSequence"),
        ):
            item = Dataset()
            item.DimensionOrganizationUID = org.DimensionOrganizationUID
            item.DimensionIndexPointer = keyword
            item.FunctionalGroupPointer = group
            pointers.append(item)
        ds.DimensionIndexSequence = pointers
        per_frame = []
        for r, c, plane, path, _ in frames:
            item = Dataset()
            content = Dataset()
            content.DimensionIndexValues = [c // tile[1] + 1, r // tile[0] + 1]
            item.FrameContentSequence = [content]
            pos = Dataset()
            pos.RowPositionInTotalImagePixelMatrix = r + 1
            pos.ColumnPositionInTotalImagePixelMatrix = c + 1
            pos.XOffsetInSlideCoordinateSystem = 10.0 + r * 0.001
            pos.YOffsetInSlideCoordinateSystem = 20.0 + c * 0.001
            pos.ZOffsetInSlideCoordinateSystem = float(plane)
            item.PlanePositionSlideSequence = [pos]
            ident = Dataset()
            ident.OpticalPathIdentifier = str(path + 1)
            item.OpticalPathIdentificationSequence = [ident]
            per_frame.append(item)
        ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    if jpeg:
        ds.PixelData = encapsulate([_jpeg(t) for *_, t in frames])
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    else:
        ds.PixelData = b"".join(t.tobytes() for *_, t in frames)
        ds["PixelData"].VR = "OB"
    return ds


def write(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path
