"""Options of pixel_array / iter_pixels: out=, view_only, raw/as_rgb, correct_unused_bits,
index, indices, and the three kinds of source (Dataset, path, binary file).

Expected values come from pydicom 3 (``tests._helpers.pydicom_array``) or from
first principles (``tests.test_native_matrix.expected_stored``: the generated
stored patterns with PS3.5 8.1.1 applied). Results written into ``out`` must
also be byte-identical to dcmcore's own normal result.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import tracemalloc

import numpy as np
import pydicom
import pytest

import dcmcore
from tests._helpers import make_dataset, pydicom_array
from tests.test_native_matrix import Case, assert_same, build, expected_stored, squeeze

# name -> Case (built lazily, once)
_CASES = {
    "u16-le": Case(16, 16, 0, "MONOCHROME2", 1, 0, "explicit", 5, 7, 9),
    "i16-bs12-be": Case(16, 12, 1, "MONOCHROME2", 1, 0, "big", 5, 7, 9),
    "u8-odd-1frame": Case(8, 8, 0, "MONOCHROME2", 1, 0, "explicit", 1, 3, 5),
    "1bit-odd": Case(1, 1, 0, "MONOCHROME2", 1, 0, "explicit", 5, 3, 5),
    "rgb-planar": Case(8, 8, 0, "RGB", 3, 1, "explicit", 5, 5, 6),
    "rgb16-interleaved-implicit": Case(16, 16, 0, "RGB", 3, 0, "implicit", 5, 5, 6),
    "ybr-full-planar": Case(8, 8, 0, "YBR_FULL", 3, 1, "explicit", 5, 4, 6),
    "ybr-422": Case(8, 8, 0, "YBR_FULL_422", 3, 0, "explicit", 5, 4, 6),
    "u8-be-ow": Case(8, 8, 0, "MONOCHROME2", 1, 0, "big-OW", 5, 3, 5),
    "u8-be-ob": Case(8, 8, 0, "MONOCHROME2", 1, 0, "big", 5, 3, 5),
    "i32-bs31-deflated": Case(32, 31, 1, "MONOCHROME2", 1, 0, "deflated", 3, 4, 5),
    "float32": Case(32, 32, 0, "MONOCHROME2", 1, 0, "explicit", 3, 4, 5, keyword="FloatPixelData"),
    "float64-be": Case(64, 64, 0, "MONOCHROME2", 1, 0, "big", 2, 4, 5, keyword="DoubleFloatPixelData"),
}
_BUILT: dict[str, Case] = {}
NAMES = sorted(_CASES)
SOURCES = ["dataset", "path", "file"]


def case_of(name: str) -> Case:
    if name not in _BUILT:
        _BUILT[name] = build(_CASES[name])
    return _BUILT[name]


@pytest.fixture
def source(tmp_path):
    """source(case, kind) -> a Dataset, a Path or an open BytesIO for `case`."""

    def make(case: Case, kind: str):
        if kind == "dataset":
            return case.dataset()
        if kind == "path":
            path = tmp_path / f"{abs(hash(case.id))}.dcm"
            path.write_bytes(case.raw_file)
            return path
        return case.file()

    return make


def normal(case: Case, **opts) -> np.ndarray:
    """dcmcore's normal result, itself checked against pydicom (exactly, YCbCr -> RGB included)."""
    ds = case.dataset()
    got = dcmcore.pixel_array(ds, **opts)
    assert_same(got, pydicom_array(ds, **opts), what=f"{case.id} normal")
    return got


def frames4(case: Case, arr: np.ndarray) -> np.ndarray:
    """`arr` (pydicom's shape) with a frame axis and, for 1 sample, without a sample axis."""
    return arr.reshape(case.frames, case.rows, case.columns, *(() if case.samples_per_pixel == 1 else (3,)))


# -- out= --------------------------------------------------------------------
@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", NAMES)
def test_out_exact_shape(name, kind, source):
    case = case_of(name)
    expected = normal(case)
    out = np.full(expected.shape, 7, expected.dtype)
    res = dcmcore.pixel_array(source(case, kind), out=out)
    assert res is out
    assert out.tobytes() == expected.tobytes()


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", NAMES)
def test_out_slice_of_larger_tensor(name, kind, source):
    """All frames into big[2:2+n] of a (frames, rows, cols[, samples]) tensor; the rest untouched."""
    case = case_of(name)
    expected = frames4(case, normal(case))
    big = np.full((case.frames + 4, *expected.shape[1:]), 3, expected.dtype)
    target = big[2 : 2 + case.frames]
    res = dcmcore.pixel_array(source(case, kind), out=target)
    assert res is target
    assert big[2 : 2 + case.frames].tobytes() == expected.tobytes()
    assert (big[:2] == 3).all() and (big[2 + case.frames :] == 3).all()


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", NAMES)
def test_out_single_frame_into_tensor(name, kind, source):
    """index=i into big[i] (and into big[i:i+1]) rebuilds the whole array."""
    case = case_of(name)
    expected = frames4(case, normal(case))
    big = np.zeros((case.frames + 1, *expected.shape[1:]), expected.dtype)
    src = source(case, kind)
    for i in reversed(range(case.frames)):
        target = big[i] if i % 2 == 0 else big[i : i + 1]
        res = dcmcore.pixel_array(src, index=i, out=target)
        assert res is target
    assert big[: case.frames].tobytes() == expected.tobytes()
    assert not big[case.frames].any()


def test_out_one_frame_data_set_into_tensor_row():
    case = case_of("u8-odd-1frame")
    expected = normal(case)
    big = np.zeros((3, *expected.shape), expected.dtype)
    assert dcmcore.pixel_array(case.dataset(), out=big[1]) is not None
    dcmcore.pixel_array(case.file(), out=big[2:3])
    assert (big[1] == expected).all() and (big[2] == expected).all() and not big[0].any()


def _bad_outs(shape, dtype):
    big = np.zeros((*shape[:-1], shape[-1] * 2), dtype)
    fortran = np.zeros(shape, dtype, order="F")
    readonly = np.zeros(shape, dtype)
    readonly.flags.writeable = False
    other = np.dtype("f8") if dtype.kind != "f" else np.dtype("i8")
    return [
        ("wrong shape", np.zeros((*shape[:-1], shape[-1] + 1), dtype), ValueError),
        ("extra axis", np.zeros((2, *shape), dtype), ValueError),
        ("flat", np.zeros(int(np.prod(shape)), dtype), ValueError),
        ("wrong dtype", np.zeros(shape, other), TypeError),
        ("non-native byte order", np.zeros(shape, dtype.newbyteorder("S")), TypeError),
        ("strided", big[..., ::2], ValueError),
        ("fortran order", fortran, ValueError) if fortran.ndim > 1 and not fortran.flags.c_contiguous else None,
        ("read-only", readonly, ValueError),
        ("bytearray", bytearray(int(np.prod(shape)) * dtype.itemsize), TypeError),
        ("list", np.zeros(shape, dtype).tolist(), TypeError),
    ]


@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd", "rgb-planar", "float32"])
def test_out_invalid(name):
    """Wrong shape / dtype / layout / writeability of `out`: TypeError or ValueError, all frames and one."""
    case = case_of(name)
    expected = normal(case)
    frame = frames4(case, expected)[0]
    for index, shape in ((None, expected.shape), (0, frame.shape)):
        for entry in _bad_outs(shape, expected.dtype):
            if entry is None:
                continue
            label, out, exc = entry
            if label == "non-native byte order" and expected.dtype.itemsize == 1:
                continue  # '|u1' has no byte order
            for src in (case.dataset(), case.file()):
                with pytest.raises(exc):
                    dcmcore.pixel_array(src, index=index, out=out)
                    pytest.fail(f"{label} accepted (index={index})")


def test_out_for_all_frames_rejected_with_index():
    case = case_of("u16-le")
    out = np.zeros((case.frames, case.rows, case.columns), np.uint16)
    with pytest.raises(ValueError):
        dcmcore.pixel_array(case.dataset(), index=1, out=out)


# -- view_only -------------------------------------------------------------------
def _buffer(ds) -> np.ndarray:
    return np.frombuffer(ds[ds_pixel_keyword(ds)].value, np.uint8)


def ds_pixel_keyword(ds) -> str:
    return next(k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in ds)


VIEWABLE = [
    ("u16-le", {}),
    ("u8-odd-1frame", {}),
    ("u8-be-ob", {}),  # big endian, but 8-bit OB needs no swap
    ("rgb-planar", {}),
    ("rgb16-interleaved-implicit", {}),
    ("ybr-full-planar", {"as_rgb": False}),
    ("ybr-full-planar", {"raw": True}),
    ("float32", {}),
]


@pytest.mark.parametrize("name, opts", VIEWABLE, ids=lambda v: str(v))
def test_view_only_shares_memory(name, opts):
    """No conversion needed: a view of the data set's buffer (all frames and one frame)."""
    case = case_of(name)
    ds = case.dataset()
    expected = normal(case, **opts)
    view = dcmcore.pixel_array(ds, view_only=True, **opts)
    assert np.shares_memory(view, _buffer(ds))
    assert_same(view, expected, what="view")
    assert not view.flags.writeable
    frames = frames4(case, expected)
    for i in range(case.frames):
        one = dcmcore.pixel_array(ds, index=i, view_only=True, **opts)
        assert np.shares_memory(one, _buffer(ds))
        assert_same(one, frames[i], what=f"view index={i}")
    for i, one in enumerate(dcmcore.iter_pixels(ds, view_only=True, **opts)):
        assert np.shares_memory(one, _buffer(ds))
        assert_same(one, frames[i], what=f"iter view {i}")


NOT_VIEWABLE = [
    ("i16-bs12-be", {}),  # byte swap and sign extension
    ("i32-bs31-deflated", {}),  # sign extension
    ("1bit-odd", {}),  # unpacking
    ("u8-be-ow", {}),  # pairs swapped
    ("ybr-full-planar", {}),  # YCbCr -> RGB
    ("ybr-422", {"raw": True}),  # upsampling
    ("float64-be", {}),  # byte swap
]


@pytest.mark.parametrize("name, opts", NOT_VIEWABLE, ids=lambda v: str(v))
def test_view_only_falls_back_to_a_correct_copy(name, opts):
    case = case_of(name)
    ds = case.dataset()
    expected = normal(case, **opts)
    got = dcmcore.pixel_array(ds, view_only=True, **opts)
    assert not np.shares_memory(got, _buffer(ds))
    assert got.tobytes() == expected.tobytes() and got.shape == expected.shape
    one = dcmcore.pixel_array(ds, view_only=True, index=case.frames - 1, **opts)
    assert one.tobytes() == frames4(case, expected)[-1].tobytes()


def test_view_only_with_uncorrected_bits_is_a_view():
    """Bits Stored < Bits Allocated needs no work when correct_unused_bits=False."""
    case = build(Case(16, 12, 1, "MONOCHROME2", 1, 0, "explicit", 3, 4, 5))
    ds = case.dataset()
    view = dcmcore.pixel_array(ds, view_only=True, correct_unused_bits=False)
    assert np.shares_memory(view, _buffer(ds))
    assert_same(view, squeeze(case, expected_stored(case, correct_unused_bits=False)), what="uncorrected view")
    corrected = dcmcore.pixel_array(ds, view_only=True)
    assert not np.shares_memory(corrected, _buffer(ds))
    assert_same(corrected, squeeze(case, expected_stored(case)), what="corrected copy")


@pytest.mark.parametrize("kind", ["path", "file"])
def test_view_only_from_files_is_a_correct_copy(kind, source):
    case = case_of("u16-le")
    expected = normal(case)
    got = dcmcore.pixel_array(source(case, kind), view_only=True)
    assert got.tobytes() == expected.tobytes() and got.shape == expected.shape


def test_iter_pixels_out_wins_over_view_only():
    """pixel_array decodes into `out` when both are given; iter_pixels must too."""
    case = case_of("u16-le")
    expected = frames4(case, normal(case))
    ds = case.dataset()
    out = np.zeros((case.frames, case.rows, case.columns), np.uint16)
    assert dcmcore.pixel_array(ds, view_only=True, out=out) is out  # pixel_array: out wins
    out[:] = 0
    yielded = list(dcmcore.iter_pixels(ds, view_only=True, out=out))
    assert all(np.shares_memory(y, out) for y in yielded)
    assert out.tobytes() == expected.tobytes()


# -- raw / as_rgb -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["ybr-full-planar", "ybr-422"])
def test_raw_and_as_rgb(name):
    case = case_of(name)
    ds = case.dataset()
    ybr = squeeze(case, expected_stored(case))  # upsampled, interleaved, not converted
    for opts in ({"raw": True}, {"as_rgb": False}, {"raw": True, "as_rgb": True}):
        got = dcmcore.pixel_array(ds, **opts)
        assert_same(got, ybr, what=f"{opts} first principles")
        assert_same(got, pydicom_array(ds, **opts), what=f"{opts} pydicom")
    rgb = dcmcore.pixel_array(ds)
    assert_same(rgb, pydicom_array(ds), what="as RGB")
    assert not np.array_equal(rgb, ybr)


def test_ybr_to_rgb_first_principles():
    """A few YCbCr triplets converted by hand with PS3.3 C.7.6.3.1.2 / ITU-T T.871 equations.

    Exactly pydicom's float32 arithmetic (``tests.test_color._first_principles``),
    and within 1 of the equations evaluated in float64 and rounded.
    """
    from tests.test_color import _first_principles

    ycbcr = np.array(
        [[0, 128, 128], [255, 128, 128], [128, 128, 128], [76, 85, 255], [150, 44, 21], [29, 255, 107],
         [0, 2, 104]], np.uint8
    )
    ds = make_dataset(ycbcr.tobytes(), rows=1, columns=7, samples_per_pixel=3, bits_allocated=8,
                      photometric_interpretation="YBR_FULL")
    y, cb, cr = (ycbcr[:, k].astype(float) for k in range(3))
    r = y + 1.402 * (cr - 128)
    g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128)
    b = y + 1.772 * (cb - 128)
    rgb = np.stack([r, g, b], -1)
    expected = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    got = dcmcore.pixel_array(ds)[0]
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    assert (got[0] == 0).all() and (got[1] == 255).all() and (got[2] == 128).all()
    np.testing.assert_array_equal(got, _first_principles(ycbcr, "YBR_FULL"))
    np.testing.assert_array_equal(got, pydicom_array(ds)[0])
    # the consolidation issue's example: 0.344136 * 126 + 0.714136 * 24 = 60.5004, rounded to 61
    # (the old fixed-point pixel_array gave 60)
    assert got[6].tolist() == [0, 61, 0]


def test_rgb_is_unaffected_by_raw_and_as_rgb():
    case = case_of("rgb-planar")
    ds = case.dataset()
    expected = squeeze(case, expected_stored(case))
    for opts in ({}, {"raw": True}, {"as_rgb": False}):
        assert_same(dcmcore.pixel_array(ds, **opts), expected, what=str(opts))


# -- correct_unused_bits ------------------------------------------------------
@pytest.mark.parametrize("encoding", ["explicit", "big"])
def test_correct_unused_bits_hand_computed(encoding):
    """Bits Stored 12 with garbage in the top nibble: 0xAFFF -> 4095 / -1 corrected, 45055 / -20481 stored."""
    values = np.array([0xAFFF, 0x0800, 0xF7FF, 0x1001], np.uint16)
    tsyntax = "1.2.840.10008.1.2.2" if encoding == "big" else "1.2.840.10008.1.2.1"
    data = values.astype(">u2" if encoding == "big" else "<u2").tobytes()
    for pr, corrected, stored in (
        (0, [4095, 2048, 2047, 1], [45055, 2048, 63487, 4097]),
        (1, [-1, -2048, 2047, 1], [-20481, 2048, -2049, 4097]),
    ):
        ds = make_dataset(data, rows=1, columns=4, bits_stored=12, pixel_representation=pr, transfer_syntax=tsyntax)
        assert dcmcore.pixel_array(ds).tolist() == [corrected]
        assert dcmcore.pixel_array(ds, correct_unused_bits=False).tolist() == [stored]
        assert dcmcore.pixel_array(ds, correct_unused_bits=False).dtype == np.dtype("i2" if pr else "u2")


# -- iter_pixels -------------------------------------------------------------------
ITER_INDICES = [[2, 0, 2, 1], [4, 3, 2, 1, 0], [1, 1, 1], [0]]


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd", "ybr-422", "rgb-planar", "u8-be-ow"])
def test_iter_pixels_indices(name, kind, source):
    case = case_of(name)
    frames = frames4(case, normal(case))
    src = source(case, kind)
    assert_same(np.stack(list(dcmcore.iter_pixels(src))), frames, what="all")
    for indices in ITER_INDICES:
        got = list(dcmcore.iter_pixels(src, indices=indices))
        assert len(got) == len(indices)
        for k, (i, arr) in enumerate(zip(indices, got)):
            assert arr.tobytes() == frames[i].tobytes(), (indices, k)
    gen = (i for i in (3, 0))
    assert [a.tobytes() for a in dcmcore.iter_pixels(src, indices=gen)] == [frames[3].tobytes(), frames[0].tobytes()]
    npidx = np.array([1, 0], np.int64)
    assert [a.tobytes() for a in dcmcore.iter_pixels(src, indices=npidx)] == [frames[1].tobytes(), frames[0].tobytes()]


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd", "ybr-422"])
def test_iter_pixels_out_one_frame_reused(name, kind, source):
    case = case_of(name)
    frames = frames4(case, normal(case))
    out = np.empty(frames.shape[1:], frames.dtype)
    indices = [3, 1, 3, 0]
    seen = []
    for arr in dcmcore.iter_pixels(source(case, kind), indices=indices, out=out):
        assert np.shares_memory(arr, out) and arr.shape == out.shape
        seen.append(arr.copy())
        assert out.tobytes() == arr.tobytes()
    for i, arr in zip(indices, seen):
        assert arr.tobytes() == frames[i].tobytes()


def test_iter_pixels_yields_out_itself():
    """The docstring: with a one-frame `out`, 'each yielded array is `out`' (as pixel_array returns `out`)."""
    case = case_of("u16-le")
    out = np.empty((case.rows, case.columns), np.uint16)
    assert dcmcore.pixel_array(case.dataset(), index=0, out=out) is out
    assert all(arr is out for arr in dcmcore.iter_pixels(case.dataset(), out=out))


@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd", "rgb-planar"])
def test_iter_pixels_out_per_index(name, kind, source):
    """out shaped (len(indices), *frame): frame k goes to out[k], which is what is yielded."""
    case = case_of(name)
    frames = frames4(case, normal(case))
    indices = [2, 0, 2, 4]
    big = np.zeros((len(indices) + 2, *frames.shape[1:]), frames.dtype)
    out = big[1 : 1 + len(indices)]
    for k, arr in enumerate(dcmcore.iter_pixels(source(case, kind), indices=indices, out=out)):
        assert np.shares_memory(arr, out[k]) and arr.shape == frames.shape[1:]
    assert out.tobytes() == frames[indices].tobytes()
    assert not big[0].any() and not big[-1].any()


def test_iter_pixels_out_too_few_frames():
    case = case_of("u16-le")
    out = np.zeros((2, case.rows, case.columns), np.uint16)
    it = dcmcore.iter_pixels(case.dataset(), indices=[0, 1, 2], out=out)
    next(it), next(it)
    with pytest.raises(ValueError):
        next(it)


def test_iter_pixels_bad_out_fails_before_the_first_frame():
    case = case_of("u16-le")
    for out, exc in (
        (np.zeros((case.rows, case.columns + 1), np.uint16), ValueError),
        (np.zeros((case.rows, case.columns), np.int16), TypeError),
        (np.zeros((case.columns, case.rows), np.uint16).T, ValueError),
    ):
        with pytest.raises(exc):
            next(dcmcore.iter_pixels(case.dataset(), out=out))


def test_iter_pixels_out_not_an_array_is_a_type_error():
    case = case_of("u16-le")
    out = np.zeros((case.rows, case.columns), np.uint16).tolist()
    with pytest.raises(TypeError):
        dcmcore.pixel_array(case.dataset(), index=0, out=out)
    with pytest.raises(TypeError):
        next(dcmcore.iter_pixels(case.dataset(), out=out))


# -- index -------------------------------------------------------------------------
def test_index_accepts_integer_types():
    case = case_of("u16-le")
    frames = frames4(case, normal(case))
    for index in (np.int64(3), np.uint8(3), 3):
        assert dcmcore.pixel_array(case.dataset(), index=index).tobytes() == frames[3].tobytes()


def test_index_of_single_frame_data_set():
    case = case_of("u8-odd-1frame")
    expected = normal(case)
    assert_same(dcmcore.pixel_array(case.dataset(), index=0), expected, what="index 0")
    with pytest.raises(ValueError):
        dcmcore.pixel_array(case.dataset(), index=1)


def test_index_must_be_an_integer():
    case = case_of("u16-le")
    for index in (1.5, "1"):
        with pytest.raises((TypeError, ValueError)):
            dcmcore.pixel_array(case.dataset(), index=index)


def test_decoding_plugin():
    case = case_of("u16-le")
    expected = normal(case)
    for label in (None, "", "dcmcore"):
        assert_same(dcmcore.pixel_array(case.dataset(), decoding_plugin=label), expected, what=str(label))
    # as in pydicom, the plugin choice is for compressed data: natively encoded data ignores it
    # (a batch of native and JPEG files can be read with one choice)
    for label in ("pylibjpeg", "gdcm", ["gdcm", "pylibjpeg"], ["gdcm", "dcmcore"]):
        assert_same(dcmcore.pixel_array(case.dataset(), decoding_plugin=label), expected, what=str(label))
        assert_same(pydicom_array(case.dataset(), decoding_plugin="gdcm"), expected, what="pydicom")
    assert_same(next(dcmcore.iter_pixels(case.dataset(), decoding_plugin="gdcm")), expected[0], what="iter")


# -- sources -------------------------------------------------------------------------
def test_sources_str_path_and_pathlike(tmp_path):
    case = case_of("i16-bs12-be")
    expected = normal(case)
    path = tmp_path / "x.dcm"
    path.write_bytes(case.raw_file)
    assert_same(dcmcore.pixel_array(str(path)), expected, what="str")
    assert_same(dcmcore.pixel_array(path), expected, what="Path")


@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "i32-bs31-deflated", "1bit-odd"])
def test_file_position_is_restored(name, tmp_path):
    case = case_of(name)
    expected = frames4(case, normal(case))
    path = tmp_path / "x.dcm"
    path.write_bytes(case.raw_file)
    with open(path, "rb") as fp:
        fp.seek(123)
        dcmcore.pixel_array(fp)
        assert fp.tell() == 123
        dcmcore.pixel_array(fp, index=1)
        assert fp.tell() == 123
        it = dcmcore.iter_pixels(fp, indices=[1, 0])
        assert next(it).tobytes() == expected[1].tobytes()
        fp.seek(5)  # the generator re-positions the file for each frame it reads
        assert next(it).tobytes() == expected[0].tobytes()
        it.close()
        assert fp.tell() == 123
    buf = case.file()
    buf.seek(9)
    assert frames4(case, dcmcore.pixel_array(buf)).tobytes() == expected.tobytes()
    assert buf.tell() == 9


def test_unsupported_source_types():
    case = case_of("u16-le")
    # the bytes of a whole file are read as the file would be
    expected = dcmcore.pixel_array(io.BytesIO(case.raw_file))
    for src in (case.raw_file, bytearray(case.raw_file), memoryview(case.raw_file)):
        np.testing.assert_array_equal(dcmcore.pixel_array(src), expected)
        np.testing.assert_array_equal(next(dcmcore.iter_pixels(src)), expected[0] if expected.ndim > 2 else expected)
    for src in (3, None, [case.raw_file]):
        with pytest.raises(TypeError):
            dcmcore.pixel_array(src)
        with pytest.raises(TypeError):
            next(dcmcore.iter_pixels(src))


class _CountingFile(io.BytesIO):
    """A BytesIO that counts the bytes handed out by read / readinto."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.nread = 0

    def read(self, size=-1):
        data = super().read(size)
        self.nread += len(data)
        return data

    def readinto(self, b):
        n = super().readinto(b)
        self.nread += n
        return n

    def read1(self, size=-1):
        data = super().read1(size)
        self.nread += len(data)
        return data

    def readinto1(self, b):
        n = super().readinto1(b)
        self.nread += n
        return n


@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd"])
def test_only_the_needed_frames_are_read(name):
    """From a file, `index` reads the header and that frame, not the whole pixel data."""
    case = build(dataclasses.replace(_CASES[name], frames=60, rows=32, columns=40))
    pixel_bytes = len(case.stored)
    header = len(case.raw_file) - pixel_bytes - pixel_bytes % 2
    frame_nbytes = -(-case.rows * case.columns * max(case.bits_allocated, 1) // 8)
    frames = frames4(case, normal(case))
    fp = _CountingFile(case.raw_file)
    got = dcmcore.pixel_array(fp, index=37)
    assert got.tobytes() == frames[37].tobytes()
    assert fp.nread <= header + 2 * frame_nbytes + 64, (fp.nread, header, frame_nbytes)
    fp = _CountingFile(case.raw_file)
    next(dcmcore.iter_pixels(fp, indices=[59]))
    assert fp.nread <= header + 2 * frame_nbytes + 64


# -- memory from a path ---------------------------------------------------------------
_BIG_ROWS, _BIG_COLS, _BIG_FRAMES = 512, 512, 80  # 80 frames x 512 KiB = 40 MiB


@pytest.fixture(scope="module")
def big_files(tmp_path_factory):
    """Two ~40 MiB 16-bit multi-frame files: one stored as decoded (plain copy), one needing conversion."""
    rng = np.random.default_rng(40)
    frame0 = rng.integers(0, 65536, (_BIG_ROWS, _BIG_COLS), dtype=np.uint16)
    files = {}
    for name, tsyntax, bits_stored in (("plain", "1.2.840.10008.1.2.1", 16), ("convert", "1.2.840.10008.1.2.2", 12)):
        data = np.empty((_BIG_FRAMES, _BIG_ROWS, _BIG_COLS), np.uint16)
        data[:] = frame0
        data += np.arange(_BIG_FRAMES, dtype=np.uint16)[:, None, None]  # frames differ
        raw = data.astype(">u2" if tsyntax.endswith(".2.2") else "<u2").tobytes()
        del data
        ds = make_dataset(raw, rows=_BIG_ROWS, columns=_BIG_COLS, bits_stored=bits_stored, pixel_representation=1,
                          number_of_frames=_BIG_FRAMES, transfer_syntax=tsyntax)
        path = tmp_path_factory.mktemp("big") / f"{name}.dcm"
        ds.save_as(path, enforce_file_format=True)
        del ds, raw
        files[name] = (path, bits_stored)
    gc.collect()
    return frame0, files


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["plain", "convert"])
def test_memory_stays_near_one_frame(name, big_files):
    frame0, files = big_files
    path, bits_stored = files[name]
    frame_bytes = _BIG_ROWS * _BIG_COLS * 2
    assert path.stat().st_size > 40 * 2**20

    def expect(i: int) -> np.ndarray:
        v = (frame0 + np.uint16(i)).astype(np.int64) & ((1 << bits_stored) - 1)
        return np.where(v >= 1 << (bits_stored - 1), v - (1 << bits_stored), v).astype(np.int16)

    def summary(arr: np.ndarray) -> tuple:
        """Cheap fingerprint taken inside the traced region (no frame-sized temporaries)."""
        return int(arr.sum(dtype=np.int64)), arr[::31, ::29].copy()

    seen = {}

    def iterate():
        for i, arr in enumerate(dcmcore.iter_pixels(path)):
            if i in (0, 41, _BIG_FRAMES - 1):
                seen[i] = summary(arr)

    # The loop variable keeps the previous frame alive while the next is made:
    # previous + new + (for conversion) one frame of stored bytes.
    assert _peak(iterate) < 3.25 * frame_bytes
    assert sorted(seen) == [0, 41, _BIG_FRAMES - 1]
    for i, (total, sample) in seen.items():
        expected = expect(i)
        assert total == int(expected.sum(dtype=np.int64)) and np.array_equal(sample, expected[::31, ::29]), i

    out = np.empty((_BIG_ROWS, _BIG_COLS), np.int16)
    assert _peak(lambda: [None for _ in dcmcore.iter_pixels(path, out=out)]) < 1.25 * frame_bytes
    assert np.array_equal(out, expect(_BIG_FRAMES - 1))

    result = []
    assert _peak(lambda: result.append(dcmcore.pixel_array(path, index=57))) < 2.25 * frame_bytes
    assert np.array_equal(result[0], expect(57))


def test_large_file_all_frames_from_a_path(big_files):
    """All 80 frames from a path (read in several chunks when converting) equal the generated values."""
    frame0, files = big_files
    for name, (path, bits_stored) in files.items():
        arr = dcmcore.pixel_array(path)
        assert arr.shape == (_BIG_FRAMES, _BIG_ROWS, _BIG_COLS) and arr.dtype == np.int16
        for i in range(_BIG_FRAMES):
            v = (frame0 + np.uint16(i)).astype(np.int32) & ((1 << bits_stored) - 1)
            v -= (v >> (bits_stored - 1)) << bits_stored  # sign-extend
            assert np.array_equal(arr[i], v), (name, i)
        del arr


# -- chunked reading from a file ------------------------------------------------------------
def _patch_chunk_size(monkeypatch, nbytes: int) -> None:
    """Read files `nbytes` at a time (dcmcore.config.read_chunk_bytes)."""
    monkeypatch.setattr(dcmcore.config, "read_chunk_bytes", nbytes)


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
@pytest.mark.parametrize(
    "name", ["u16-le", "i16-bs12-be", "1bit-odd", "ybr-422", "rgb-planar", "u8-be-ow", "float64-be"]
)
def test_chunked_reading(name, chunk, monkeypatch):
    """Decoding many frames from a file reads them in chunks; any chunk size gives the same array."""
    case = case_of(name)
    expected = normal(case)
    _patch_chunk_size(monkeypatch, chunk)
    assert dcmcore.pixel_array(case.file()).tobytes() == expected.tobytes()
    out = np.empty_like(expected)
    dcmcore.pixel_array(case.file(), out=out)
    assert out.tobytes() == expected.tobytes()


# -- trailing data, deferred values, buffered values ---------------------------------------
@pytest.mark.parametrize("extra", [1, 2, 3, 17, 47, 48, 96, 200])
def test_trailing_data_is_ignored_with_a_warning(extra):
    """Excess bytes after the frames warn; less than a whole frame is ignored.

    The value needs 96 bytes (2 frames of 48), an even length, so even one
    more byte is excess, not padding. Whole extra frames are returned by
    default and dropped with allow_excess_frames=False, as pydicom does.
    """
    values = np.arange(2 * 4 * 6, dtype="<u2")
    data = values.tobytes() + bytes(range(1, extra + 1))
    ds = make_dataset(data, rows=4, columns=6, number_of_frames=2)
    first_two = pydicom_array(ds, allow_excess_frames=False)
    assert np.array_equal(first_two, values.reshape(2, 4, 6))
    assert pydicom_array(ds).shape == (2 + extra // 48, 4, 6)
    raw = case_bytes(ds)  # written with a padding byte when the length is odd
    for kind, src in (("Dataset", lambda: ds), ("file", lambda: io.BytesIO(raw))):
        everything = pydicom_array(ds if kind == "Dataset" else pydicom.dcmread(io.BytesIO(raw)))
        with pytest.warns(UserWarning, match=r"\d+ bytes"):
            assert_same(dcmcore.pixel_array(src(), allow_excess_frames=False), first_two, what=kind)
        with pytest.warns(UserWarning, match=r"\d+ bytes"):
            assert_same(dcmcore.pixel_array(src()), everything, what=f"{kind} excess frames")
        with pytest.warns(UserWarning):
            assert_same(dcmcore.pixel_array(src(), index=1), everything[1], what=f"{kind} index=1")
        with pytest.warns(UserWarning):
            frames = list(dcmcore.iter_pixels(src()))
        assert_same(np.stack(frames), everything, what=f"{kind} iter_pixels")
        if extra >= 48:
            with pytest.warns(UserWarning):
                assert_same(dcmcore.pixel_array(src(), index=2), everything[2], what=f"{kind} index=2")
            with pytest.warns(UserWarning), pytest.raises(ValueError, match="out of range"):
                dcmcore.pixel_array(src(), index=2, allow_excess_frames=False)


@pytest.mark.parametrize(
    "number_of_frames, rows, columns, bits, samples",
    [(None, 4, 6, 16, 1), ("empty", 4, 6, 16, 1), (1, 3, 5, 8, 1), (2, 3, 5, 8, 3), (1, 5, 7, 32, 1)],
)
def test_excess_whole_frames_as_pydicom(number_of_frames, rows, columns, bits, samples):
    """Pixel data holding more frames than Number of Frames (absent or empty: 1) gives them all, as pydicom."""
    frame = rows * columns * samples * bits // 8
    given = 1 if number_of_frames in (None, "empty") else number_of_frames
    data = bytes(np.random.default_rng(7).integers(0, 256, frame * (given + 2), dtype=np.uint8))
    ds = make_dataset(data, rows=rows, columns=columns, bits_allocated=bits, samples_per_pixel=samples,
                      photometric_interpretation="RGB" if samples == 3 else "MONOCHROME2")
    if number_of_frames is not None:
        ds.NumberOfFrames = None if number_of_frames == "empty" else number_of_frames
    expected = pydicom_array(ds)
    assert expected.shape[0] == given + 2
    with pytest.warns(UserWarning) as record:
        assert_same(dcmcore.pixel_array(ds), expected, what="excess frames")
    assert any("more than the (0028,0008) 'Number of Frames'" in str(w.message) for w in record)
    with pytest.warns(UserWarning):
        assert_same(dcmcore.pixel_array(ds, allow_excess_frames=False), pydicom_array(ds, allow_excess_frames=False), what="first frames")


def case_bytes(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_deferred_pixel_data_value(tmp_path):
    import pydicom

    case = case_of("i16-bs12-be")
    path = tmp_path / "deferred.dcm"
    path.write_bytes(case.raw_file)
    ds = pydicom.dcmread(path, defer_size=16)
    assert_same(dcmcore.pixel_array(ds), normal(case), what="deferred")


def test_buffered_pixel_data_value():
    """pydicom 3 lets Pixel Data be a binary buffer (BytesIO); it is read from its start."""
    values = np.arange(2 * 3 * 4, dtype="<u2")
    buf = io.BytesIO(values.tobytes())
    ds = make_dataset(buf, rows=3, columns=4, number_of_frames=2)
    buf.seek(5)
    assert np.array_equal(dcmcore.pixel_array(ds), values.reshape(2, 3, 4))
    assert np.array_equal(dcmcore.pixel_array(ds, index=1), values.reshape(2, 3, 4)[1])


# -- workers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", SOURCES)
@pytest.mark.parametrize("name", ["u16-le", "i16-bs12-be", "1bit-odd", "ybr-422", "rgb-planar", "u8-be-ow"])
def test_workers_give_the_same_array(name, kind, source, monkeypatch):
    """Frames decoded on several threads (small chunks, so threads share the file) equal the serial result."""
    case = case_of(name)
    expected = normal(case)
    _patch_chunk_size(monkeypatch, 7)
    for workers in (2, 3, None, 0):
        assert dcmcore.pixel_array(source(case, kind), workers=workers).tobytes() == expected.tobytes(), workers
    out = np.zeros((case.frames + 2, *expected.shape[-(2 if case.samples_per_pixel == 1 else 3) :]), expected.dtype)
    dcmcore.pixel_array(source(case, kind), workers=4, out=out[1:-1])
    assert out[1:-1].tobytes() == expected.tobytes() and not out[0].any() and not out[-1].any()
    with pytest.raises(ValueError):
        dcmcore.pixel_array(source(case, kind), workers=-1)
