"""Generated matrix of natively encoded pixel data, checked against pydicom 3 and first principles.

Every case is written with pydicom (``save_as``) and read back, so the encoding
(VR, padding, deflate, byte order) is the one real files have. The stored
sample patterns are random over the whole Bits Allocated width, so the unused
high bits hold garbage and masking / sign extension is exercised. Expected
values come from two independent oracles:

* pydicom 3's ``pixels`` backend (``tests._helpers.pydicom_array``), and
* first principles: the generated patterns with the bits above Bits Stored
  cleared (unsigned) or sign-extended (signed), PS3.5 8.1.1, and YBR_FULL_422
  chroma repeated for both pixels of a pair, PS3.3 C.7.6.3.1.2.

The helpers here (``Case``, ``build``, ``expected_stored``) are also used by the
other ``test_native_*`` modules.
"""

from __future__ import annotations

import io
import itertools
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pydicom
import pytest

import dcmcore
from tests._helpers import make_dataset, pydicom_array

IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
DEFLATED = "1.2.840.10008.1.2.1.99"
BIG = "1.2.840.10008.1.2.2"

#: encoding name -> (transfer syntax, VR of Pixel Data or None for the default)
ENCODINGS = {
    "implicit": (IMPLICIT, None),
    "explicit": (EXPLICIT, None),
    "deflated": (DEFLATED, None),
    "big": (BIG, None),
    "big-OW": (BIG, "OW"),  # 8-bit only: bytes swapped in pairs (PS3.5 7.1.1 / 8.1.1)
}

#: (Bits Allocated, Bits Stored)
BITS = [
    (1, 1),
    (8, 1),
    (8, 5),
    (8, 8),
    (16, 5),
    (16, 12),
    (16, 16),
    (32, 12),
    (32, 31),
    (32, 32),
    (64, 16),
    (64, 63),
    (64, 64),
]

#: (Photometric Interpretation, Samples per Pixel, Planar Configuration)
LAYOUTS = [
    ("MONOCHROME2", 1, 0),
    ("MONOCHROME1", 1, 0),
    ("PALETTE COLOR", 1, 0),
    ("RGB", 3, 0),
    ("RGB", 3, 1),
    ("YBR_FULL", 3, 0),
    ("YBR_FULL", 3, 1),
    ("YBR_FULL_422", 3, 0),
]

FRAME_COUNTS = [1, 2, 7]
SIZES = [(1, 1), (3, 5), (17, 13), (2, 3), (5, 8)]
SIZES_422 = [(1, 2), (3, 4), (17, 14), (2, 3), (5, 6)]  # even pixel count per frame


@dataclass
class Case:
    """One generated data set: its description, stored patterns and file bytes."""

    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric_interpretation: str
    samples_per_pixel: int
    planar_configuration: int
    encoding: str
    frames: int
    rows: int
    columns: int
    keyword: str = "PixelData"
    seed: int = 0
    #: stored patterns in logical order: (frames, rows, cols, spp) or, for
    #: YBR_FULL_422, (frames, rows * cols // 2, 4) as Y1 Y2 Cb Cr
    patterns: np.ndarray = field(default=None, repr=False)
    stored: bytes = field(default=b"", repr=False)
    raw_file: bytes = field(default=b"", repr=False)

    @property
    def id(self) -> str:
        pi = self.photometric_interpretation.replace(" ", "_")
        kw = "" if self.keyword == "PixelData" else f"{self.keyword}-"
        return (
            f"{kw}ba{self.bits_allocated}-bs{self.bits_stored}-pr{self.pixel_representation}-{pi}"
            f"-pc{self.planar_configuration}-{self.encoding}-{self.frames}x{self.rows}x{self.columns}"
        )

    @property
    def transfer_syntax(self) -> str:
        return ENCODINGS[self.encoding][0]

    @property
    def is_ybr(self) -> bool:
        return self.photometric_interpretation in ("YBR_FULL", "YBR_FULL_422")

    def dataset(self) -> pydicom.Dataset:
        """The data set as pydicom reads it back from the written file."""
        return pydicom.dcmread(io.BytesIO(self.raw_file))

    def file(self) -> io.BytesIO:
        return io.BytesIO(self.raw_file)


def _dtype_of(bits_allocated: int, signed: bool, keyword: str = "PixelData") -> np.dtype:
    if keyword == "FloatPixelData":
        return np.dtype("f4")
    if keyword == "DoubleFloatPixelData":
        return np.dtype("f8")
    if bits_allocated == 1:
        return np.dtype("u1")
    return np.dtype(f"{'i' if signed else 'u'}{bits_allocated // 8}")


def random_patterns(rng: np.random.Generator, shape: tuple[int, ...], bits_allocated: int) -> np.ndarray:
    """Random unsigned patterns using every bit of the allocated width (0/1 for 1-bit)."""
    if bits_allocated == 1:
        return rng.integers(0, 2, shape, dtype=np.uint8)
    dtype = np.dtype(f"u{bits_allocated // 8}")
    return rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)


def stored_order(case: Case, patterns: np.ndarray) -> np.ndarray:
    """The patterns in the order they are stored: planar configuration applied."""
    if case.samples_per_pixel == 3 and case.planar_configuration == 1:
        return np.ascontiguousarray(patterns.transpose(0, 3, 1, 2))
    return np.ascontiguousarray(patterns)


def encode(case: Case, patterns: np.ndarray) -> bytes:
    """The stored bytes of the pixel data value (before pydicom's padding)."""
    flat = stored_order(case, patterns).reshape(-1)
    big = case.transfer_syntax == BIG
    if case.bits_allocated == 1:
        return np.packbits(flat, bitorder="little").tobytes()
    data = flat.astype(flat.dtype.newbyteorder(">" if big else "<")).tobytes()
    if case.encoding == "big-OW":
        # An 8-bit value written as big endian 16-bit words: pad, swap each pair
        data += b"\0" * (len(data) % 2)
        data = np.frombuffer(data, np.uint8).reshape(-1, 2)[:, ::-1].tobytes()
    return data


def build(case: Case) -> Case:
    """Fill in `case.patterns`, `case.stored` and `case.raw_file` (seeded from the id)."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()) + case.seed)
    nf, r, c, spp = case.frames, case.rows, case.columns, case.samples_per_pixel
    if case.keyword != "PixelData":
        ftype = _dtype_of(case.bits_allocated, False, case.keyword)
        values = rng.standard_normal((nf, r, c, spp)).astype(ftype)
        special = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, np.finfo(ftype).tiny], ftype)
        values.reshape(-1)[: min(values.size, special.size)] = special[: values.size]
        patterns = values.view(f"u{ftype.itemsize}")
    elif case.photometric_interpretation == "YBR_FULL_422":
        patterns = random_patterns(rng, (nf, r * c // 2, 4), case.bits_allocated)
    else:
        patterns = random_patterns(rng, (nf, r, c, spp), case.bits_allocated)
    case.patterns = patterns
    case.stored = encode(case, patterns)
    tsyntax, vr = ENCODINGS[case.encoding]
    ds = make_dataset(
        case.stored,
        rows=r,
        columns=c,
        samples_per_pixel=spp,
        bits_allocated=case.bits_allocated,
        bits_stored=case.bits_stored,
        pixel_representation=case.pixel_representation,
        photometric_interpretation=case.photometric_interpretation,
        number_of_frames=nf if nf > 1 or case.seed % 2 else None,
        planar_configuration=case.planar_configuration if spp > 1 else None,
        transfer_syntax=tsyntax,
        keyword=case.keyword,
        vr=vr,
    )
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    case.raw_file = buf.getvalue()
    return case


def fix_bits(patterns: np.ndarray, bits_stored: int, signed: bool, bits_allocated: int) -> np.ndarray:
    """PS3.5 8.1.1: clear the bits above Bits Stored, or sign-extend from bit Bits Stored - 1."""
    if bits_allocated == 1:
        return patterns.astype(np.uint8)
    u = patterns.astype(np.uint64)
    mask = np.uint64((1 << bits_stored) - 1)
    u &= mask
    if signed:
        sign = np.uint64(1 << (bits_stored - 1))
        u = (u ^ sign) - sign  # wraps modulo 2**64
    unsigned = u.astype(f"u{bits_allocated // 8}")
    return unsigned.view(f"i{bits_allocated // 8}") if signed else unsigned


def expected_stored(case: Case, *, correct_unused_bits: bool = True) -> np.ndarray:
    """First principles: the decoded array with no colour conversion (all frames, 4D)."""
    pat = case.patterns
    if case.keyword != "PixelData":
        return pat.view(_dtype_of(case.bits_allocated, False, case.keyword))
    signed = case.pixel_representation == 1 and case.bits_allocated > 1
    if correct_unused_bits:
        vals = fix_bits(pat, case.bits_stored, signed, case.bits_allocated)
    else:
        vals = pat.view(_dtype_of(case.bits_allocated, signed)) if case.bits_allocated > 1 else pat
    if case.photometric_interpretation == "YBR_FULL_422":
        y1, y2, cb, cr = (vals[..., k] for k in range(4))
        pix = np.stack([np.stack([y1, cb, cr], -1), np.stack([y2, cb, cr], -1)], axis=2)
        vals = pix.reshape(case.frames, case.rows, case.columns, 3)
    return vals


def squeeze(case: Case, arr4d: np.ndarray) -> np.ndarray:
    """pydicom's shape for the whole pixel data: no frame axis for 1 frame, no sample axis for 1 sample."""
    out = arr4d
    if case.samples_per_pixel == 1:
        out = out[..., 0]
    if case.frames == 1:
        out = out[0]
    return out


def frame_of(case: Case, arr4d: np.ndarray, i: int) -> np.ndarray:
    f = arr4d[i]
    return f[..., 0] if case.samples_per_pixel == 1 else f


def assert_same(actual: np.ndarray, expected: np.ndarray, *, tol: int = 0, what: str = "") -> None:
    """Equal shape and values, `actual` in native byte order with `expected`'s kind and size."""
    assert actual.dtype.isnative, f"{what}: dcmcore returned non-native dtype {actual.dtype}"
    assert actual.dtype == expected.dtype.newbyteorder("="), f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if actual.dtype.kind == "f":
        size = actual.dtype.itemsize
        a = np.ascontiguousarray(actual).view(f"u{size}")
        e = np.ascontiguousarray(expected.astype(actual.dtype)).view(f"u{size}")
        assert np.array_equal(a, e), f"{what}: float bit patterns differ"
    elif tol:
        diff = np.abs(actual.astype(np.int64) - expected.astype(np.int64))
        assert diff.max(initial=0) <= tol, f"{what}: max difference {diff.max()} > {tol}"
    else:
        if not np.array_equal(actual, expected):
            bad = np.argwhere(actual != expected)[:3].tolist()
            raise AssertionError(f"{what}: values differ at {bad}")


# -- the cases ---------------------------------------------------------------
def _valid(ba: int, bs: int, pr: int, layout: tuple[str, int, int], encoding: str) -> bool:
    pi, spp, _ = layout
    if encoding == "big-OW" and ba != 8:
        return False
    if ba == 1:
        return pr == 0 and pi in ("MONOCHROME1", "MONOCHROME2")
    return True


def _matrix() -> list[Case]:
    """Every valid bits x signedness x layout x encoding combination; frame count
    and size drawn for each with a seeded RNG (checked by test_matrix_covers_every_value)."""
    rng = np.random.default_rng(20240602)
    cases = []
    combos = itertools.product(BITS, (0, 1), LAYOUTS, ENCODINGS)
    for n, ((ba, bs), pr, layout, enc) in enumerate(combos):
        if not _valid(ba, bs, pr, layout, enc):
            continue
        pi, spp, pc = layout
        frames = FRAME_COUNTS[rng.integers(len(FRAME_COUNTS))]
        sizes = SIZES_422 if pi == "YBR_FULL_422" else SIZES
        rows, cols = sizes[rng.integers(len(sizes))]
        cases.append(Case(ba, bs, pr, pi, spp, pc, enc, int(frames), rows, cols, seed=n))
    return cases


MATRIX = _matrix()


def _options(case: Case) -> list[tuple[dict, bool]]:
    """Decoding options to check for `case`, and whether they convert YCbCr to RGB."""
    if not case.is_ybr:
        return [({}, False)]
    opts = [({"as_rgb": False}, False), ({"raw": True}, False)]
    if case.bits_allocated == 8 and case.pixel_representation == 0:
        opts.append(({}, True))  # YCbCr -> RGB: exactly pydicom's values
        opts.append(({"as_rgb": True}, True))
    return opts


def _check(case: Case) -> None:
    ds = case.dataset()
    first_principles = expected_stored(case)
    for opts, converted in _options(case):
        label = f"{case.id} {opts}"
        expected = pydicom_array(ds, **opts)
        if not converted:
            # the two oracles agree before dcmcore is compared with them
            assert_same(
                squeeze(case, first_principles).astype(expected.dtype.newbyteorder("=")),
                expected,
                what=f"{label} pydicom vs first principles",
            )
        got = dcmcore.pixel_array(ds, **opts)
        assert_same(got, expected, what=f"{label} Dataset")
        got_file = dcmcore.pixel_array(case.file(), **opts)
        assert_same(got_file, expected, what=f"{label} file")
        full = expected.reshape(case.frames, *expected.shape[-(2 if case.samples_per_pixel == 1 else 3) :])
        for i in sorted({0, case.frames - 1, case.frames // 2}):
            assert_same(dcmcore.pixel_array(ds, index=i, **opts), full[i], what=f"{label} index={i}")
            assert_same(dcmcore.pixel_array(case.file(), index=i, **opts), full[i], what=f"{label} file index={i}")


@pytest.mark.parametrize("case", MATRIX, ids=lambda c: c.id)
def test_matrix(case):
    _check(build(case))


def test_matrix_covers_every_value():
    """The sampled matrix meets every value of every axis (guards against a bad sampling change)."""
    ids = [c.id for c in MATRIX]
    assert len(ids) == len(set(ids))
    seen = {
        "bits": {(c.bits_allocated, c.bits_stored) for c in MATRIX},
        "layout": {(c.photometric_interpretation, c.planar_configuration) for c in MATRIX},
        "encoding": {c.encoding for c in MATRIX},
        "frames": {c.frames for c in MATRIX},
        "pr": {c.pixel_representation for c in MATRIX},
    }
    assert seen["bits"] == set(BITS)
    assert seen["layout"] == {(pi, pc) for pi, _, pc in LAYOUTS}
    assert seen["encoding"] == set(ENCODINGS)
    assert seen["frames"] == set(FRAME_COUNTS)
    assert seen["pr"] == {0, 1}
    for ba, _ in BITS:
        sub = [c for c in MATRIX if c.bits_allocated == ba]
        assert {c.frames for c in sub} == set(FRAME_COUNTS), ba
        sizes = {(c.rows, c.columns) for c in sub}
        if ba == 1:  # only 8 cases; test_one_bit_index_every_frame adds more sizes
            assert any(r * c % 8 for r, c in sizes) and len(sizes) >= 3, sizes
        else:
            assert sizes >= set(SIZES), ba
        assert {c.encoding for c in sub} >= {"implicit", "explicit", "deflated", "big"}, ba


# -- Float and Double Float Pixel Data ------------------------------------
FLOAT_CASES = [
    Case(ba, ba, 0, "MONOCHROME2", 1, 0, enc, frames, r, c, keyword=kw)
    for (kw, ba), enc, frames, (r, c) in itertools.product(
        [("FloatPixelData", 32), ("DoubleFloatPixelData", 64)],
        ["implicit", "explicit", "deflated", "big"],
        FRAME_COUNTS,
        [(1, 1), (3, 5), (17, 13)],
    )
]


@pytest.mark.parametrize("case", FLOAT_CASES, ids=lambda c: c.id)
def test_float_pixel_data(case):
    """Float (OF) and Double Float (OD) Pixel Data: bit-exact, NaN, infinities and -0.0 included."""
    build(case)
    ds = case.dataset()
    expected = pydicom_array(ds)
    assert_same(squeeze(case, expected_stored(case)), expected, what="pydicom vs first principles")
    assert_same(dcmcore.pixel_array(ds), expected, what="Dataset")
    assert_same(dcmcore.pixel_array(case.file()), expected, what="file")
    full = expected.reshape(case.frames, case.rows, case.columns)
    for i in range(case.frames):
        assert_same(dcmcore.pixel_array(case.file(), index=i), full[i], what=f"index={i}")


# -- 1-bit frames that do not start on a byte boundary --------------------
ONE_BIT = [
    (frames, r, c, enc)
    for (frames, r, c), enc in itertools.product(
        [(7, 3, 5), (9, 1, 1), (5, 17, 13), (3, 1, 9), (4, 4, 4)], ["explicit", "implicit", "big", "deflated"]
    )
]


@pytest.mark.parametrize("frames, rows, cols, encoding", ONE_BIT, ids=lambda v: str(v))
def test_one_bit_index_every_frame(frames, rows, cols, encoding, tmp_path):
    """Bits Allocated 1: frame i is bits [i*n, (i+1)*n) of the whole LSB-first stream.

    pydicom 3.0.2's ``index`` is wrong here, so the oracle is np.unpackbits of
    the whole stored value, sliced per frame.
    """
    case = build(Case(1, 1, 0, "MONOCHROME2", 1, 0, encoding, frames, rows, cols))
    ds = case.dataset()
    npix = rows * cols
    value = np.frombuffer(ds.PixelData, np.uint8)
    bits = np.unpackbits(value, bitorder="little")
    assert bits.size >= frames * npix
    path = tmp_path / "one_bit.dcm"
    path.write_bytes(case.raw_file)
    whole = bits[: frames * npix].reshape(frames, rows, cols)
    assert_same(dcmcore.pixel_array(ds), whole[0] if frames == 1 else whole, what="all frames")
    for i in range(frames):
        expected = bits[i * npix : (i + 1) * npix].reshape(rows, cols)
        assert_same(dcmcore.pixel_array(ds, index=i), expected, what=f"Dataset index={i}")
        assert_same(dcmcore.pixel_array(path, index=i), expected, what=f"path index={i}")
        assert_same(dcmcore.pixel_array(case.file(), index=i), expected, what=f"file index={i}")
    iterated = list(dcmcore.iter_pixels(path, indices=reversed(range(frames))))
    for i, arr in zip(reversed(range(frames)), iterated):
        assert_same(arr, bits[i * npix : (i + 1) * npix].reshape(rows, cols), what=f"iter_pixels {i}")


# -- 8-bit big endian written as OW: bytes swapped in pairs ----------------
@pytest.mark.parametrize(
    "frames, rows, cols, spp", [(1, 3, 5, 1), (7, 3, 5, 1), (3, 1, 1, 3), (2, 3, 3, 3), (5, 1, 3, 1)]
)
def test_big_endian_ow_8bit_odd_lengths(frames, rows, cols, spp, tmp_path):
    """Odd frame and total lengths: every frame, from a data set, a path and a file."""
    pi = "RGB" if spp == 3 else "MONOCHROME2"
    case = build(Case(8, 8, 0, pi, spp, 0, "big-OW", frames, rows, cols))
    ds = case.dataset()
    assert ds["PixelData"].VR == "OW"
    assert len(ds.PixelData) % 2 == 0
    expected4 = expected_stored(case)
    path = tmp_path / "ow.dcm"
    path.write_bytes(case.raw_file)
    for src in (ds, path, case.file()):
        assert_same(dcmcore.pixel_array(src), squeeze(case, expected4), what=f"{type(src).__name__} all")
        for i in range(frames):
            expected = frame_of(case, expected4, i)
            assert_same(dcmcore.pixel_array(src, index=i), expected, what=f"{type(src).__name__} index={i}")
            # pydicom handles odd OW frames with index itself: a third opinion
            assert_same(expected, pydicom_array(ds, index=i), what=f"pydicom index={i}")


def test_big_endian_ow_is_not_swapped_as_ob():
    """The same 8-bit big endian data with VR OB is not swapped (only OW is)."""
    ob = build(Case(8, 8, 0, "MONOCHROME2", 1, 0, "big", 1, 3, 5))
    ds = ob.dataset()
    assert ds["PixelData"].VR == "OB"
    assert_same(dcmcore.pixel_array(ds), squeeze(ob, expected_stored(ob)), what="OB")


# -- correct_unused_bits=False: the stored patterns ------------------------
UNCORRECTED = [
    c
    for c in MATRIX
    if c.bits_stored < c.bits_allocated
    and c.photometric_interpretation in ("MONOCHROME2", "RGB", "YBR_FULL_422")
    and c.encoding in ("explicit", "big", "big-OW")
]


@pytest.mark.parametrize("case", UNCORRECTED, ids=lambda c: c.id)
def test_correct_unused_bits_false(case):
    """With correct_unused_bits=False the stored bit patterns come back, as pydicom gives them."""
    build(case)
    ds = case.dataset()
    opts = {"raw": True} if case.is_ybr else {}
    expected = squeeze(case, expected_stored(case, correct_unused_bits=False))
    got = dcmcore.pixel_array(ds, correct_unused_bits=False, **opts)
    assert_same(got, expected, what="first principles")
    assert_same(got, pydicom_array(ds, correct_unused_bits=False, **opts), what="pydicom")
    assert_same(dcmcore.pixel_array(case.file(), correct_unused_bits=False, **opts), expected, what="file")


def test_writing_warnings_are_not_expected():
    """Building a case emits no warning (pytest turns warnings into errors elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(Case(16, 12, 1, "MONOCHROME2", 1, 0, "big", 2, 3, 5))
