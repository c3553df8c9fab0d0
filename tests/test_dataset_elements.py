"""dcmcore.dataset_elements: one description of the data set shared by spec, transforms and overlays.

* a frame index out of range or negative is a ``FrameIndexError`` (a ``ValueError``, as pydicom's
  ``pixel_array(index=)``, and an ``IndexError``, as highdicom's ``get_frame``) wherever it is given;
* a value that cannot be read, or is not an integer, is an ``InvalidElementError`` naming the
  element, whichever layer reads it;
* the byte order of a data set has one precedence: File Meta Transfer Syntax UID, then the
  encoding pydicom read it with, then little endian;
* the structure the consolidation asked for: UIDs only in ``dcmcore/uids.py``, no import of a
  private name of another module, modules under 500 lines.
"""

from __future__ import annotations

import ast
import io
import pathlib
import re
import warnings

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless

import dcmcore
from dcmcore import dataset_elements as elements
from dcmcore import overlays, uids
from dcmcore.bits import unpack_bits
from dcmcore.errors import (
    DcmcoreError,
    FrameIndexError,
    InvalidElementError,
    InvalidPixelSpecError,
    MissingElementError,
)
from dcmcore.transforms import InvalidTransformError, TransformChain, apply_modality_lut

from tests._helpers import make_dataset
from tests._overlay_data import overlay_dataset

PACKAGE = pathlib.Path(dcmcore.__file__).parent


def _image(frames: int = 3) -> Dataset:
    values = np.arange(frames * 4 * 6, dtype=np.uint16).reshape(frames, 4, 6)
    return make_dataset(values.tobytes(), rows=4, columns=6, bits_stored=12, number_of_frames=frames)


# ---- frame index ------------------------------------------------------------------------------


def _check_frame_index_error(call) -> FrameIndexError:
    with pytest.raises(FrameIndexError) as info:
        call()
    exc = info.value
    assert isinstance(exc, ValueError) and isinstance(exc, IndexError) and isinstance(exc, DcmcoreError)
    assert "out of range" in str(exc)
    return exc


@pytest.mark.parametrize("index", [3, 7, -1])
def test_pixel_array_and_iter_pixels_frame_index(index):
    ds = _image(3)
    exc = _check_frame_index_error(lambda: dcmcore.pixel_array(ds, index=index))
    assert f"'index' {index}" in str(exc)
    _check_frame_index_error(lambda: list(dcmcore.iter_pixels(ds, indices=[0, index])))
    assert dcmcore.pixel_array(ds, index=2).shape == (4, 6)


@pytest.mark.parametrize("index", [3, -1])
def test_transform_chain_frame_index(index):
    ds = _image(3)
    exc = _check_frame_index_error(lambda: TransformChain.from_dataset(ds, frame_index=index))
    assert f"'frame_index' {index}" in str(exc)
    assert TransformChain.from_dataset(ds, frame_index=2).dtype == np.float64


def test_per_frame_functional_groups_frame_index():
    ds = _image(2)
    items = []
    for slope in (2.0, 3.0):
        transform = Dataset()
        transform.RescaleSlope = slope
        transform.RescaleIntercept = 0
        transform.RescaleType = "US"
        item = Dataset()
        item.PixelValueTransformationSequence = [transform]
        items.append(item)
    ds.PerFrameFunctionalGroupsSequence = items
    stored = dcmcore.pixel_array(ds)
    np.testing.assert_array_equal(apply_modality_lut(stored[1], ds, frame_index=1), stored[1] * 3.0)
    exc = _check_frame_index_error(lambda: apply_modality_lut(stored[0], ds, frame_index=2))
    assert "(5200,9230) 'Per-Frame Functional Groups Sequence'" in str(exc)


def test_overlay_frame_index():
    bits = np.zeros((2, 3, 4), np.uint8)
    ds = overlay_dataset(bits)
    for index in (2, -1):
        exc = _check_frame_index_error(lambda: dcmcore.overlay_array(ds, 0x6000, index=index))
    assert "overlay group 0x6000" in str(_check_frame_index_error(lambda: dcmcore.overlay_array(ds, 0x6000, index=2)))
    image = np.zeros((4, 6), np.uint16)
    one = _image(1)
    overlays.set_overlay_array(one, np.ones((4, 6), np.uint8))
    exc = _check_frame_index_error(lambda: overlays.burn_in(image, one, index=1))
    assert "'index' 1" in str(exc)


@pytest.mark.parametrize("bad", [1.0, "1", True, None])
def test_frame_index_of_another_type_is_a_type_error(bad):
    with pytest.raises(TypeError, match="'index' must be an integer"):
        elements.check_frame_index(bad, 3)
    assert elements.check_frame_index(np.int64(2), 3) == 2


# ---- element values ---------------------------------------------------------------------------


def test_tag_names_for_any_tag():
    assert elements.tag_name(0x00280010) == "(0028,0010) 'Rows'"
    assert elements.tag_name(0x60023000) == "(6002,3000) 'Overlay Data'"
    assert elements.tag_name(0x7FE00008) == "(7FE0,0008) 'Float Pixel Data'"
    assert elements.tag_name(0x00091001) == "(0009,1001) 'Unknown'"


@pytest.mark.parametrize(
    "value, expected",
    [(12, 12), ("12", 12), (b" 12\0", 12), (12.0, 12), (np.uint16(7), 7), ("x", None), (1.5, None), (True, None)],
)
def test_as_int(value, expected):
    if expected is None:
        with pytest.raises(InvalidElementError, match=r"\(0028,0010\) 'Rows' has the value .* not an integer"):
            elements.as_int(value, 0x00280010)
    else:
        assert elements.as_int(value, 0x00280010) == expected


def _unreadable_columns(ds: Dataset) -> Dataset:
    """`ds` written and read back with (0028,0011) Columns declared UL but 2 bytes long."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    raw = bytearray(buf.getvalue())
    at = raw.find(bytes.fromhex("28001100") + b"US")
    raw[at + 4 : at + 6] = b"UL"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(io.BytesIO(bytes(raw)))


def test_an_unreadable_element_is_the_same_error_everywhere():
    ds = _unreadable_columns(_image(1))
    for call in (
        lambda: dcmcore.PixelSpec.from_dataset(ds),
        lambda: dcmcore.pixel_array(ds),
        lambda: TransformChain.from_dataset(ds),
    ):
        with pytest.raises(InvalidElementError, match=r"\(0028,0011\) 'Columns' cannot be read"):
            call()


def test_a_chain_cached_for_a_good_data_set_does_not_hide_an_unreadable_element():
    buf = io.BytesIO()
    _image(1).save_as(buf, enforce_file_format=True)
    good = pydicom.dcmread(io.BytesIO(buf.getvalue()))  # read from bytes, as the bad one: the same raw elements
    TransformChain.from_dataset(good)  # cached, keyed by those elements' bytes
    with pytest.raises(InvalidElementError, match=r"\(0028,0011\) 'Columns' cannot be read"):
        TransformChain.from_dataset(_unreadable_columns(_image(1)))


def test_a_non_integer_is_the_same_error_everywhere():
    ds = _image(1)
    ds.add_new(0x00280101, "LO", "twelve")  # Bits Stored with a wrong VR
    for call in (lambda: dcmcore.PixelSpec.from_dataset(ds), lambda: TransformChain.from_dataset(ds)):
        with pytest.raises(InvalidElementError, match=r"\(0028,0101\) 'Bits Stored' has the value 'twelve'"):
            call()
    ov = overlay_dataset(np.zeros((2, 3, 4), np.uint8))
    ov[0x6000, 0x0010]._value = "two"
    with pytest.raises(InvalidElementError, match=r"\(6000,0010\) 'Overlay Rows' .* not a single integer"):
        dcmcore.overlay_array(ov, 0x6000)
    window = _image(1)
    window.WindowCenter = "100"
    window.add_new(0x00281051, "LO", "abc")  # Window Width with a wrong VR
    with pytest.raises(InvalidElementError, match=r"\(0028,1051\) 'Window Width' has the value 'abc'"):
        TransformChain.from_dataset(window, apply_voi_transform=True)


def test_exception_hierarchy():
    assert issubclass(InvalidPixelSpecError, InvalidElementError)
    assert issubclass(InvalidTransformError, InvalidElementError)
    assert issubclass(InvalidElementError, ValueError) and issubclass(InvalidElementError, DcmcoreError)
    assert issubclass(FrameIndexError, ValueError) and issubclass(FrameIndexError, IndexError)


def test_transform_chain_validates_as_pixel_spec_does():
    """ImageInfo comes from PixelSpec: the same invalid Bits Stored gives the same error."""
    ds = _image(1)
    ds.BitsStored = 17
    with pytest.raises(InvalidPixelSpecError, match=r"\(0028,0101\) 'Bits Stored' value of 17") as spec_error:
        dcmcore.PixelSpec.from_dataset(ds)
    with pytest.raises(InvalidPixelSpecError) as chain_error:
        TransformChain.from_dataset(ds)
    assert str(chain_error.value) == str(spec_error.value)
    del ds.PhotometricInterpretation
    with pytest.raises(MissingElementError, match="Photometric Interpretation"):
        TransformChain.from_dataset(ds)


# ---- byte order -------------------------------------------------------------------------------


def _read_back(ds: Dataset, little: bool) -> Dataset:
    """`ds` written explicit VR in the byte order `little` says and read back without File Meta Information."""
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian if little else ExplicitVRBigEndian
    buf = io.BytesIO()
    ds.save_as(buf, implicit_vr=False, little_endian=little)
    del ds.file_meta
    buf.seek(0)
    again = pydicom.dcmread(buf, force=True)
    del again.file_meta
    return again


def test_byte_order_precedence():
    ds = Dataset()
    ds.Rows = 1
    assert elements.is_little_endian(ds)  # in memory, nothing known: little endian
    with pytest.raises(MissingElementError, match="Transfer Syntax UID"):
        elements.transfer_syntax_of(ds)
    big = _read_back(ds, little=False)
    assert big.original_encoding == (False, False)
    assert not elements.is_little_endian(big)
    # the File Meta Information comes first
    big.file_meta = FileMetaDataset()
    big.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    assert elements.is_little_endian(big) and elements.transfer_syntax_of(big) == ExplicitVRLittleEndian
    little = _read_back(ds, little=True)
    little.file_meta = FileMetaDataset()
    little.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    assert not elements.is_little_endian(little)
    # a syntax pydicom does not know gives way to the read encoding
    big.file_meta.TransferSyntaxUID = "1.2.3.4"
    assert not elements.is_little_endian(big)
    # an item without encoding takes its parent's
    assert not elements.is_little_endian(Dataset(), little)
    del big.file_meta
    assert elements.transfer_syntax_of(big) == ExplicitVRBigEndian
    implicit = Dataset()
    implicit._read_implicit, implicit._read_little = True, True
    assert elements.transfer_syntax_of(implicit) == ImplicitVRLittleEndian


def test_overlays_take_the_shared_byte_order():
    """Overlay Data OW words: a data set read little endian but to be written big endian holds
    the words as the File Meta Information says (the precedence of transfer_syntax_of)."""
    bits = (np.arange(2 * 16) % 3 == 0).astype(np.uint8).reshape(2, 16)
    ds = overlay_dataset(bits)
    ds = _read_back(ds, little=True)
    packed = bytes(ds[0x6000, 0x3000].value)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    ds[0x6000, 0x3000].value = b"".join(packed[i : i + 2][::-1] for i in range(0, len(packed), 2))
    np.testing.assert_array_equal(dcmcore.overlay_array(ds, 0x6000), bits)


# ---- output arrays ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "out, exc, match",
    [
        (np.zeros((2, 4), np.int16), TypeError, "dtype int16"),
        (np.zeros((2, 8), np.uint8)[:, ::2], ValueError, "C-contiguous"),
        (np.zeros((3, 3), np.uint8), ValueError, "holds 9 values"),
    ],
)
def test_one_output_check(out, exc, match):
    """unpack_bits and overlay_array check `out` with the same function (_arrays.output_array)."""
    with pytest.raises(exc, match=match):
        unpack_bits(b"\0", out=out)
    ds = overlay_dataset(np.zeros((2, 4), np.uint8))
    with pytest.raises(exc, match="has shape" if out.size == 9 else match):
        dcmcore.overlay_array(ds, 0x6000, out=out)
    read_only = np.zeros((2, 4), np.uint8)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="'out' is read-only"):
        dcmcore.overlay_array(ds, 0x6000, out=read_only)


# ---- structure --------------------------------------------------------------------------------


def test_transfer_syntaxes_are_pydicom_constants():
    assert uids.NATIVE_TRANSFER_SYNTAXES == {
        pydicom.uid.ImplicitVRLittleEndian,
        pydicom.uid.ExplicitVRLittleEndian,
        pydicom.uid.DeflatedExplicitVRLittleEndian,
        pydicom.uid.ExplicitVRBigEndian,
    }
    assert uids.RLELossless is RLELossless
    assert uids.name_of(uids.DeflatedImageFrameCompression).startswith("Deflated Image Frame Compression")


def test_no_uid_literals_outside_uids_py():
    """UIDs come from pydicom.uid or dcmcore/uids.py: no string constant in code is a UID (docs may name them)."""
    literal = re.compile(r"1\.2\.840\.10008\.[0-9.]+")
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "uids.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and literal.fullmatch(node.value):
                found.append(f"{rel}:{node.lineno}: {node.value}")
    assert not found


def _imports(path: pathlib.Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dcmcore"):
            for alias in node.names:
                yield node.module, alias.name


def test_no_module_imports_another_modules_private_names():
    """Modules share public names of documented internal modules, never each other's privates."""
    bad = []
    for path in PACKAGE.rglob("*.py"):
        for module, name in _imports(path):
            is_module = (PACKAGE.parent / (module.replace(".", "/") + f"/{name}.py")).exists()
            if name.startswith("_") and not is_module:
                bad.append(f"{path.relative_to(PACKAGE)}: from {module} import {name}")
    assert not bad


def test_modules_are_small():
    """Every module of dcmcore and of the plugins, Python or Cython, stays under 500 lines (split by concern)."""
    roots = [PACKAGE, PACKAGE.parent / "plugins"]
    paths = [p for root in roots for ext in ("*.py", "*.pyx", "*.pxd") for p in root.rglob(ext) if "tests" not in p.parts]
    big = [f"{p.name}: {n}" for p in paths if (n := len(p.read_text().splitlines())) > 500]
    assert paths and not big


def test_no_module_level_import_cycle():
    """Among dcmcore's modules, ignoring a package's edges to and from its own submodules."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in names.items():
        deps = set()
        for node in ast.parse(path.read_text()).body:  # module level only: deferred imports break cycles
            if isinstance(node, ast.ImportFrom) and node.module in names:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in names)
        graph[name] = {d for d in deps if d != name and not d.startswith(name + ".") and not name.startswith(d + ".")}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        for dep in graph[name]:
            assert dep not in path, " -> ".join((*path, dep))
            if dep not in done:
                visit(dep, (*path, dep))
        done.add(name)

    for name in graph:
        visit(name, (name,))
