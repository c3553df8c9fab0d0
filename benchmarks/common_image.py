"""Generated files for the Image API benchmarks (asv and compare.py), cached outside the source tree.

* :func:`many_frames_path`: 2000 (quick: 200) frames of 256 x 256 unsigned
  16-bit samples, natively encoded;
* :func:`ct_path`: 200 (quick: 20) frames of 512 x 512 signed 12-bit CT with
  Rescale 1 / -1024 and a window 40 / 400;
* :func:`wsi_path`: a TILED_FULL whole-slide image of 8192 x 8192 RGB pixels
  (quick: 2048 x 2048) in 256 x 256 JPEG Baseline tiles made with Pillow.

See :mod:`benchmarks.common` for where the files go.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from benchmarks.common import cached_file, native_dataset


def many_frames_path(frames: int = 2000, size: int = 256) -> Path:
    def write(tmp: Path) -> None:
        rng = np.random.default_rng(3)
        arr = rng.integers(0, 4096, size=(frames, size, size), dtype=np.uint16)
        native_dataset(arr.tobytes(), rows=size, columns=size, frames=frames, bits_allocated=16, bits_stored=12).save_as(
            tmp, implicit_vr=False, little_endian=True, enforce_file_format=True
        )

    return cached_file(f"image_u16_{frames}x{size}x{size}.dcm", write)


def ct_path(frames: int = 200, size: int = 512) -> Path:
    def write(tmp: Path) -> None:
        from benchmarks.common_transforms import ct_dataset

        ct_dataset(frames, size).save_as(tmp, implicit_vr=False, little_endian=True, enforce_file_format=True)

    return cached_file(f"image_ct_{frames}x{size}x{size}.dcm", write)


def _tile(r: int, c: int, size: int, rng: np.random.Generator) -> np.ndarray:
    y = np.arange(size)[:, None] + r * size
    x = np.arange(size)[None, :] + c * size
    base = (((y // 7 + x // 11) % 160) + 40).astype(np.int16)
    noise = rng.integers(-12, 12, (size, size), dtype=np.int16)
    red = np.clip(base + noise, 0, 255).astype(np.uint8)
    return np.stack([red, (red // 2 + 90).astype(np.uint8), (255 - red).astype(np.uint8)], axis=-1)


def wsi_path(total: int = 8192, tile: int = 256) -> Path:
    def write(tmp: Path) -> None:
        from PIL import Image as PILImage
        from pydicom.dataset import Dataset
        from pydicom.encaps import encapsulate
        from pydicom.uid import JPEGBaseline8Bit, VLWholeSlideMicroscopyImageStorage, generate_uid

        rng = np.random.default_rng(5)
        per_side = total // tile
        frames = []
        for r in range(per_side):
            for c in range(per_side):
                buf = io.BytesIO()
                PILImage.fromarray(_tile(r, c, tile, rng), "RGB").save(buf, "JPEG", quality=85, subsampling=2)
                frames.append(buf.getvalue())
        ds = native_dataset(b"", rows=tile, columns=tile, frames=len(frames), bits_allocated=8, bits_stored=8,
                            samples_per_pixel=3, photometric_interpretation="YBR_FULL_422")
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = VLWholeSlideMicroscopyImageStorage
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = generate_uid(), generate_uid(), generate_uid()
        ds.Modality = "SM"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "VOLUME", "NONE"]
        ds.TotalPixelMatrixRows = ds.TotalPixelMatrixColumns = total
        ds.TotalPixelMatrixFocalPlanes = 1
        ds.NumberOfOpticalPaths = 1
        ds.DimensionOrganizationType = "TILED_FULL"
        ds.ImageOrientationSlide = [0, 1, 0, 1, 0, 0]
        origin = Dataset()
        origin.XOffsetInSlideCoordinateSystem, origin.YOffsetInSlideCoordinateSystem = 10.0, 20.0
        ds.TotalPixelMatrixOriginSequence = [origin]
        measures = Dataset()
        measures.PixelSpacing = [0.00025, 0.00025]
        measures.SliceThickness = 0.001
        shared = Dataset()
        shared.PixelMeasuresSequence = [measures]
        ds.SharedFunctionalGroupsSequence = [shared]
        path = Dataset()
        path.OpticalPathIdentifier = "1"
        ds.OpticalPathSequence = [path]
        ds.PixelData = encapsulate(frames)
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        ds.save_as(tmp, enforce_file_format=True)

    return cached_file(f"image_wsi_{total}_{tile}_jpeg.dcm", write)
