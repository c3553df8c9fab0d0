"""dcmcore.imread / Image / ImageFileReader / frame.decode_frame against highdicom on real files.

Every multi-frame or compressed file of pydicom's test files and pydicom-data
that highdicom 0.28 reads and decodes is compared, lazily and eagerly: the
raw frames byte for byte, the stored frames and ``get_frame`` values exactly
(one justified tolerance below), and lazy equals eager.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore.io import ImageFileReader
from tests._helpers import headers

hd = pytest.importorskip("highdicom")
import highdicom.frame  # noqa: E402
import highdicom.io  # noqa: E402

# pydicom's and highdicom's warnings about these files (VR mismatches, odd lengths ...) are theirs to give
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MAX_BYTES = 20_000_000  # larger files would make the suite slow; none of them is multi-frame and unique

# Lossy 12-bit JPEG (Extended): decoders may round the inverse DCT differently
# (libjpeg-turbo and libjpeg 6b differ here by 1 on 1.4% of the pixels), and
# which decoder dcmcore and pydicom each pick depends on what is installed.
TOLERANCE = {"JPGExtended.dcm": 1}


def _quiet_highdicom():
    logging.getLogger("highdicom").setLevel(logging.ERROR)


@lru_cache(maxsize=1)
def candidates() -> list:
    """Paths of the multi-frame or compressed files that highdicom reads and decodes."""
    _quiet_highdicom()
    found = []
    for path, ds in headers(MAX_BYTES):
        try:
            nframes = int(ds.get("NumberOfFrames", 1) or 1)
            syntax = pydicom.uid.UID(ds.file_meta.TransferSyntaxUID)
        except Exception:
            continue
        if "Rows" not in ds or not (nframes > 1 or syntax.is_compressed):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hd.imread(str(path)).get_stored_frame(1)
        except Exception:  # highdicom cannot read it: no oracle
            continue
        found.append(path)
    return found


def _ids():
    return [p.name for p in candidates()]


def _frames(n: int) -> list[int]:
    """Frame numbers to compare: all of a small image, first, middle and last of a large one."""
    return list(range(1, n + 1)) if n <= 12 else sorted({1, 2, n // 2, n - 1, n})


def _close(a: np.ndarray, b: np.ndarray, name: str) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    tol = TOLERANCE.get(name, 0)
    if tol:
        assert np.abs(a.astype(np.float64) - b.astype(np.float64)).max() <= tol
    else:
        np.testing.assert_array_equal(a, b)


def test_there_are_many_files():
    assert len(candidates()) >= 60


@pytest.mark.parametrize("path", candidates(), ids=_ids())
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_frames_equal_highdicom(path, lazy):
    _quiet_highdicom()
    try:
        ref = hd.imread(str(path), lazy_frame_retrieval=lazy)
        ref.get_raw_frame(1)
    except Exception as exc:  # highdicom's lazy reader fails on some files that dcmcore reads (lazy == eager is tested below)
        pytest.skip(f"highdicom cannot read it {'lazily' if lazy else ''}: {exc}")
    with dcmcore.imread(path, lazy_frame_retrieval=lazy) as im:
        assert isinstance(im, pydicom.Dataset)
        assert im.number_of_frames == ref.number_of_frames
        assert im.transfer_syntax_uid == ref.transfer_syntax_uid
        assert im.SOPInstanceUID == ref.SOPInstanceUID
        for k in _frames(im.number_of_frames):
            assert im.get_raw_frame(k) == ref.get_raw_frame(k)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = ref.get_stored_frame(k)
                want_frame = ref.get_frame(k)
            _close(im.get_stored_frame(k), want, path.name)
            got = im.get_frame(k)
            assert got.dtype == want_frame.dtype and got.shape == want_frame.shape
            tol = TOLERANCE.get(path.name, 0)
            np.testing.assert_allclose(got, want_frame, rtol=0, atol=tol * float(np.abs(want_frame).max() or 1) if tol else 1e-9)
        assert im.plugin_label is not None


@pytest.mark.parametrize("path", candidates(), ids=_ids())
def test_lazy_equals_eager(path):
    eager = dcmcore.imread(path)
    with dcmcore.imread(path, lazy_frame_retrieval=True) as lazy:
        np.testing.assert_array_equal(lazy.pixel_array, eager.pixel_array)
        frames = _frames(eager.number_of_frames)
        np.testing.assert_array_equal(lazy.get_stored_frames(frames, workers=2), eager.get_stored_frames(frames))
        np.testing.assert_array_equal(lazy.get_frames(frames), eager.get_frames(frames))
        for k in frames:
            assert lazy.get_raw_frame(k) == eager.get_raw_frame(k)
    np.testing.assert_array_equal(eager.pixel_array, dcmcore.pixel_array(path))


@pytest.mark.parametrize("path", candidates(), ids=_ids())
def test_image_file_reader_and_frame_module_equal_highdicom(path):
    _quiet_highdicom()
    ref = hd.io.ImageFileReader(str(path))
    try:
        ref.open()
        ref.number_of_frames, ref.read_frame_raw(0)
    except Exception as exc:  # its offset table parser fails on some files dcmcore reads
        pytest.skip(f"highdicom's ImageFileReader cannot open it: {exc}")
    try:
        with ImageFileReader(path) as reader:
            assert reader.number_of_frames == ref.number_of_frames
            assert reader.transfer_syntax_uid == ref.transfer_syntax_uid
            assert reader.metadata.SOPInstanceUID == ref.metadata.SOPInstanceUID
            ds = reader.metadata
            for k in _frames(reader.number_of_frames):
                i = k - 1
                raw = reader.read_frame_raw(i)
                assert raw == ref.read_frame_raw(i)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = ref.read_frame(i, correct_color=False)
                _close(reader.read_frame(i, correct_color=False), want, path.name)
                if "PixelData" not in ds and ds.get("BitsStored") is None:
                    continue
                args = dict(
                    transfer_syntax_uid=reader.transfer_syntax_uid, rows=ds.Rows, columns=ds.Columns,
                    samples_per_pixel=ds.SamplesPerPixel, bits_allocated=ds.BitsAllocated,
                    bits_stored=ds.BitsStored, photometric_interpretation=ds.PhotometricInterpretation,
                    pixel_representation=ds.PixelRepresentation, planar_configuration=ds.get("PlanarConfiguration"),
                    index=i,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    want = hd.frame.decode_frame(raw, **args)
                _close(dcmcore.frame.decode_frame(raw, **args), want, path.name)
    finally:
        ref.close()
