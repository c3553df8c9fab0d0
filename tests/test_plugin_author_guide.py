"""The plugin author's path, as a new author takes it: docs/plugins.md and dcmcore.plugins.

The minimal plugin that opens the guide is taken from the page itself (its
``pyproject.toml`` and its module), written as a scratch distribution (the
package plus a ``*.dist-info`` with its entry points) on a temporary
``sys.path`` entry, found through the registry and used to decode real files,
which must equal pydicom's arrays. Then: the helpers the contract offers, the
guide's claims about signed data, and the override and "who decoded" reports.
"""

from __future__ import annotations

import configparser
import io
import logging
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import dcmcore
import dcmcore.plugins as plugins
from dcmcore.errors import CorruptPixelDataError, InvalidPixelSpecError, UnsupportedPixelDataError
from tests._helpers import pydicom_array, read

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"
RLE = "1.2.840.10008.1.2.5"
RLE_FILES = ["MR_small_RLE.dcm", "emri_small_RLE.dcm", "SC_rgb_rle.dcm", "SC_rgb_rle_16bit.dcm", "rtdose_rle_1frame.dcm"]


def _guide_files() -> dict[str, str]:
    """The code blocks of the guide's first section whose first line is a comment naming a file."""
    text = GUIDE.read_text(encoding="utf-8")
    first = text.index("\n## ")
    section = text[first : text.index("\n## ", first + 1)]
    files = {}
    for block in re.findall(r"```(?:toml|python)\n(.*?)```", section, re.S):
        head, _, body = block.partition("\n")
        if head.startswith("# ") and "/" in head:
            files[head[2:].strip()] = body
    return files


def _write_distribution(root: Path) -> tuple[Path, dict]:
    """Write the guide's files under `root` and the metadata pip would install; return (sys.path entry, project)."""
    files = _guide_files()
    (toml_name,) = [name for name in files if name.endswith("pyproject.toml")]
    project_dir = root / Path(toml_name).parent
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    project = tomllib.loads(files[toml_name])["project"]
    dist = project_dir / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n")
    entry_points = configparser.ConfigParser(delimiters=("=",))
    entry_points.optionxform = str  # keep the UIDs as written
    for group, entries in project.get("entry-points", {}).items():
        entry_points[group] = entries
    out = io.StringIO()
    entry_points.write(out)
    (dist / "entry_points.txt").write_text(out.getvalue())
    return project_dir, project


@pytest.fixture
def guide_plugin(tmp_path):
    """The guide's minimal plugin, installed from the page into a scratch directory."""
    path, project = _write_distribution(tmp_path)
    module_names = {value.split(":")[0] for group in project["entry-points"].values() for value in group.values()}
    sys.path.insert(0, str(path))
    plugins.refresh()
    try:
        yield project
    finally:
        sys.path.remove(str(path))
        for name in module_names:
            sys.modules.pop(name, None)
        plugins.refresh()


def test_the_guide_opens_with_a_complete_plugin():
    files = _guide_files()
    assert sorted(files) == ["my-rle-plugin/my_rle_plugin/__init__.py", "my-rle-plugin/pyproject.toml"]
    module = files["my-rle-plugin/my_rle_plugin/__init__.py"]
    imported = set(re.findall(r"^\s*(?:from|import) (dcmcore[\w.]*)", module, re.M))
    assert imported <= {"dcmcore", "dcmcore.plugins", "dcmcore.errors"}, imported


def test_the_guide_plugin_is_found_and_decodes_like_pydicom(guide_plugin):
    label = "my-rle"
    infos = {i.label: i for i in plugins.decoders(RLE)}
    info = infos[label]
    assert info.available and not info.broken
    assert info.source == f"{guide_plugin['name']} {guide_plugin['version']}"
    assert isinstance(info.plugin, plugins.DecoderPlugin)
    row = next(line for line in plugins.report().splitlines() if f" {label} " in line)
    assert "priority 50" in row and plugins.OVERRIDE_MARK not in row  # after dcmcore's own: no override
    for name in RLE_FILES:
        ds = read(name)
        arr = dcmcore.pixel_array(ds, decoding_plugin=label)
        np.testing.assert_array_equal(arr, pydicom_array(ds), err_msg=name)
        raw = dcmcore.pixel_array(ds, decoding_plugin=label, raw=True, correct_unused_bits=False)
        np.testing.assert_array_equal(raw, pydicom_array(ds, raw=True), err_msg=name)


def test_the_guide_plugin_refuses_a_corrupt_header(guide_plugin):
    from pydicom.encaps import encapsulate

    frame, spec = plugins.testing.first_frame("MR_small_RLE.dcm")
    ds = read("MR_small_RLE.dcm")
    ds.PixelData = encapsulate([(3).to_bytes(4, "little") + frame[4:]])  # 3 segments for 2
    with pytest.raises(CorruptPixelDataError, match="3 segments, but the image needs 2"):
        dcmcore.pixel_array(ds, decoding_plugin=["my-rle", "dcmcore"])  # final: dcmcore is not tried




#: What a plugin (and its tests) may use of dcmcore: the public contract, the errors, the
#: top-level functions; the entry point groups are named in docstrings.
_PUBLIC = {"plugins", "errors", "PixelSpec", "pixel_array", "iter_pixels", "decoders", "encoders"}


def test_the_example_plugins_use_only_the_public_contract():
    root = Path(__file__).resolve().parents[1] / "plugins"
    sources = sorted(root.glob("*/**/*.py"))
    assert len(sources) >= 8
    for path in sources:
        text = path.read_text(encoding="utf-8")
        used = set(re.findall(r"\bdcmcore\.(\w+)", text))
        assert used <= _PUBLIC, (path.name, used - _PUBLIC)
        for names in re.findall(r"^\s*from dcmcore import \(?([\w ,]+)", text, re.M):
            imported = {n.split(" as ")[0].strip() for n in names.split(",") if n.strip()}
            assert imported <= _PUBLIC | set(dcmcore.errors.__all__), (path.name, imported)

# -- reports: a plugin that outranks dcmcore's own, and which plugin decoded ---------------------
@pytest.fixture
def outranking_guide_plugin(guide_plugin, monkeypatch):
    """The guide's plugin with a priority under dcmcore's 10, as a third-party author might set it."""
    import my_rle_plugin

    monkeypatch.setattr(my_rle_plugin.RLEDecoder, "priority", 5)
    plugins.refresh()
    yield my_rle_plugin.DECODER
    monkeypatch.undo()
    plugins.refresh()


def _announcements(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "before dcmcore's built-in decoder" in r.getMessage()]


def test_a_plugin_that_outranks_dcmcore_is_marked_and_announced_once(outranking_guide_plugin, caplog):
    rows = {line.split()[1]: line for line in plugins.report().splitlines() if re.match(r"\s+\d+\. ", line)}
    assert plugins.OVERRIDE_MARK in rows["my-rle"]
    assert plugins.OVERRIDE_MARK not in rows["dcmcore"] and plugins.OVERRIDE_MARK not in rows["gdcm"]
    assert [i.label for i in plugins.overriding(plugins.decoders(RLE))] == ["my-rle"]
    ds = read("MR_small_RLE.dcm")
    with caplog.at_level(logging.INFO, logger="dcmcore"):
        for _ in range(3):
            np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    (note,) = _announcements(caplog)
    assert note.levelno == logging.WARNING and note.name == "dcmcore"
    assert "'my-rle' (my-rle-plugin 0.1.0, priority 5)" in note.getMessage()
    assert "RLE Lossless (1.2.840.10008.1.2.5)" in note.getMessage()
    plugins.refresh()  # forgetting what was discovered forgets what was announced
    with caplog.at_level(logging.INFO, logger="dcmcore"):
        dcmcore.pixel_array(ds, decoding_plugin="dcmcore")  # a choice, not an override: silent
        assert len(_announcements(caplog)) == 1
        dcmcore.pixel_array(ds)
    assert len(_announcements(caplog)) == 2


def test_an_unavailable_plugin_does_not_outrank(outranking_guide_plugin, monkeypatch, caplog):
    monkeypatch.setattr(type(outranking_guide_plugin), "is_available", lambda self, uid: False)
    plugins.refresh()
    assert plugins.OVERRIDE_MARK not in plugins.report()
    with caplog.at_level(logging.INFO, logger="dcmcore"):
        dcmcore.pixel_array(read("MR_small_RLE.dcm"))
    assert not _announcements(caplog)


def test_the_dispatcher_says_which_plugin_decoded(guide_plugin, caplog):
    frame, spec = plugins.testing.first_frame("MR_small_RLE.dcm")
    dispatcher = plugins.Dispatcher(RLE, ["my-rle", "dcmcore"])
    assert dispatcher.last_label is None
    with caplog.at_level(logging.DEBUG, logger="dcmcore"):
        dispatcher.decode(frame, spec)
    assert dispatcher.last_label == "my-rle"
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG] == [
        "'my-rle' decoded a frame of RLE Lossless (1.2.840.10008.1.2.5)"
    ]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dcmcore"):  # DEBUG off: nothing is logged per frame
        dispatcher.decode(frame, spec)
    assert not caplog.records


def test_after_a_fallback_the_plugin_that_succeeded_is_named(guide_plugin, monkeypatch, caplog):
    import my_rle_plugin

    def failing(self, src, spec, **options):
        raise RuntimeError("library failure")

    monkeypatch.setattr(my_rle_plugin.RLEDecoder, "decode", failing)
    frame, spec = plugins.testing.first_frame("MR_small_RLE.dcm")
    dispatcher = plugins.Dispatcher(RLE, ["my-rle", "dcmcore"])
    with caplog.at_level(logging.DEBUG, logger="dcmcore"):
        dispatcher.decode(frame, spec)
    assert dispatcher.last_label == "dcmcore"
    assert "'dcmcore' decoded a frame" in caplog.text and "'my-rle' decoded" not in caplog.text


def test_the_batch_path_names_its_plugin_too():
    dispatcher = plugins.Dispatcher(RLE)
    builtin = dispatcher.plugins[0]
    dispatcher.succeeded(builtin)
    assert dispatcher.last_label == builtin.label == "dcmcore" and dispatcher.first is builtin

# -- the contract: required and optional members -------------------------------------------------
class _Minimal:
    label = "minimal-contract"
    priority = 0

    def is_available(self):
        return True

    def decode(self, src, spec, *, out=None, **options):
        return np.zeros(spec.frame_shape, spec.dtype), spec

    def encode(self, src, spec, **options):
        return b""


@pytest.mark.parametrize("protocol, members, register", [
    (plugins.DecoderPlugin, plugins.DECODER_MEMBERS, plugins.register_decoder),
    (plugins.EncoderPlugin, plugins.ENCODER_MEMBERS, plugins.register_encoder),
])
def test_protocol_and_registry_require_the_same_members(protocol, members, register):
    assert isinstance(_Minimal(), protocol)  # no api_version, no missing_dependencies
    for name in members:
        lacking = type("Lacking", (), {k: v for k, v in vars(_Minimal).items() if k != name and not k.startswith("__")})
        obj = lacking()
        assert not hasattr(obj, name)
        assert not isinstance(obj, protocol), name
        with pytest.raises(TypeError, match=f"lacks {name}"):
            register(RLE, obj)


# -- helpers for plugin authors --------------------------------------------------------------------
def test_frame_view_and_frame_bytes_accept_every_buffer():
    data = bytes(range(12))
    for src in (data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint16), np.frombuffer(data, np.uint8)):
        view = plugins.frame_view(src)
        assert view.format == "B" and view.ndim == 1 and view.tobytes() == data
        assert plugins.frame_bytes(src) == data
    assert plugins.frame_bytes(data) is data  # no copy
    with pytest.raises(TypeError, match="bytes-like"):
        plugins.frame_view("text")
    with pytest.raises(ValueError, match="C-contiguous"):
        plugins.frame_view(np.arange(8, dtype=np.uint8)[::2])


def test_frame_array_gives_every_input_the_interleaved_layout():
    spec = plugins.testing.make_spec(3, 4, 3, 16)
    values = plugins.testing.encoder_values(spec, seed=1)
    planar = np.moveaxis(values, -1, 0).astype("<u2").tobytes()
    for src, current in [
        (values, spec),
        (values.astype(">u2"), spec),
        (np.asfortranarray(values), spec),
        (values.astype("<u2").tobytes() + b"\0", spec),
        (planar, spec.replace(planar_configuration=1)),
    ]:
        arr = plugins.frame_array(src, current)
        assert arr.flags.c_contiguous and arr.shape == spec.frame_shape
        np.testing.assert_array_equal(arr, values)
    for src, message in [(values[:2], "has shape"), (np.zeros(spec.frame_shape, np.float16), "dtype"), (bytes(5), "holds 5 bytes")]:
        with pytest.raises(ValueError, match=message):
            plugins.frame_array(src, spec)


def test_rle_helpers_check_what_ps3_5_annex_g_requires():
    frame, spec = plugins.testing.first_frame("SC_rgb_rle_16bit.dcm")
    assert plugins.rle_segment_count(spec) == 6
    offsets = plugins.parse_rle_header(frame, 6)
    assert offsets[0] == 64 and offsets == sorted(offsets) and len(offsets) == 6
    plugins.check_rle_frame(frame, spec)
    with pytest.raises(CorruptPixelDataError, match="gives 6 segments, but the image needs 3"):
        plugins.parse_rle_header(frame, 3)
    with pytest.raises(CorruptPixelDataError, match="segment"):
        plugins.check_rle_frame(frame[: len(frame) // 2], spec)
    with pytest.raises(UnsupportedPixelDataError, match="'Bits Allocated' value of 1"):
        plugins.rle_segment_count(spec.replace(samples_per_pixel=1, photometric_interpretation="MONOCHROME2",
                                               bits_allocated=1, bits_stored=1))
    with pytest.raises(InvalidPixelSpecError, match="24 segments"):
        plugins.rle_segment_count(spec.replace(bits_allocated=64, bits_stored=64))


@pytest.mark.parametrize("text, expected", [
    ("3.0.24", (3, 0, 24)), ("2.1rc1", (2, 1)), ("2.0.0.dev3", (2, 0, 0)), (" 1.10 ", (1, 10)),
    ("2.x.1", (2,)), ("unknown", ()),
])
def test_version_tuple(text, expected):
    assert plugins.version_tuple(text) == expected


class _AnyIntegerRLEEncoder:
    """dcmcore's own RLE encoder behind frame_array: every input form the contract allows."""

    label, priority = "any-integer-rle", 0

    def encode(self, src, spec, **options):
        frame = plugins.frame_array(src, spec)
        frame = frame.astype(frame.dtype.newbyteorder("="), copy=False).view(spec.dtype)
        return plugins.encoder_dispatcher(RLE, "dcmcore").encode(frame, spec)


def test_testing_helpers_check_an_encoder():
    encoder = _AnyIntegerRLEEncoder()
    spec = plugins.testing.make_spec(5, 6, 3, 16, signed=1)
    values = plugins.testing.encoder_values(spec, seed=2)
    encoded = plugins.testing.check_encoder_input_forms(encoder, values, spec)
    np.testing.assert_array_equal(plugins.testing.decode_with("dcmcore", encoded, spec), values)
    np.testing.assert_array_equal(
        pydicom_array(plugins.testing.encapsulated_dataset([encoded], spec), raw=True), values
    )
    plugins.testing.check_encoder_rejects_misfits(encoder, spec)

    class Lenient:  # encodes anything: the misfit check must fail
        label, priority = "lenient", 0

        def encode(self, src, spec, **options):
            return b"\0" * 64

    with pytest.raises(AssertionError, match="does not fit"):
        plugins.testing.check_encoder_rejects_misfits(Lenient(), spec)


# -- the guide's section on signed data ------------------------------------------------------------
def _rle_dataset(values: np.ndarray, bits_stored: int, signed: int):
    """A one-frame RLE data set of `values` (16-bit samples) with the given Bits Stored and Pixel Representation."""
    spec = plugins.testing.make_spec(*values.shape, 1, 16, signed=signed).replace(bits_stored=bits_stored)
    encoded = plugins.encoder_dispatcher(RLE, "dcmcore").encode(values.view(spec.dtype), spec)
    return plugins.testing.encapsulated_dataset([encoded], spec)


def _decode_through(library_output, ds, **options) -> np.ndarray:
    """dcmcore.pixel_array(ds) with a plugin that returns ``library_output(stored values)`` for each frame."""

    class Library:
        label, priority = "signedness-test", 0

        def is_available(self, uid):
            return True

        def decode(self, src, spec, *, out=None, **kwargs):
            stored = plugins.testing.decode_with("dcmcore", src, spec)  # the stored bit patterns
            return library_output(stored), spec

    plugins.register_decoder(RLE, Library())
    try:
        return dcmcore.pixel_array(ds, decoding_plugin="signedness-test", **options)
    finally:
        plugins.unregister_decoder(RLE, "signedness-test")


SIGNED_12 = np.array([[-2048, -5, -1], [0, 5, 2047]], np.int16)


def test_codestream_unsigned_data_set_signed_comes_out_signed():
    """The library returns the 12-bit patterns as unsigned numbers; dcmcore reinterprets and sign-extends."""
    ds = _rle_dataset(SIGNED_12, 12, signed=1)
    as_unsigned = _decode_through(lambda stored: (stored.view(np.uint16) & 0x0FFF), ds)
    assert as_unsigned.dtype == np.int16
    np.testing.assert_array_equal(as_unsigned, SIGNED_12)  # -5 was returned as 4091 (0x0FFB)
    np.testing.assert_array_equal(as_unsigned, pydicom_array(ds))
    raw = _decode_through(lambda stored: (stored.view(np.uint16) & 0x0FFF), ds, correct_unused_bits=False)
    np.testing.assert_array_equal(raw, (SIGNED_12.view(np.uint16) & 0x0FFF).view(np.int16))  # patterns only


def test_codestream_signed_data_set_unsigned_comes_out_unsigned():
    """The library returns negative numbers for unsigned data; dcmcore reinterprets and clears the high bits."""
    unsigned = SIGNED_12.view(np.uint16) & 0x0FFF  # 4091 stored in a codestream marked signed: -5
    ds = _rle_dataset(unsigned, 12, signed=0)
    arr = _decode_through(lambda stored: ((stored.astype(np.int16) << 4) >> 4), ds)  # sign-extended by the library
    assert arr.dtype == np.uint16
    np.testing.assert_array_equal(arr, unsigned)
    np.testing.assert_array_equal(arr, pydicom_array(ds))


def test_a_level_shift_is_not_corrected_by_dcmcore_and_the_guide_fix_undoes_it():
    """Pillow-style output: unsigned, + 2**(precision - 1). dcmcore cannot tell; the plugin must undo it."""
    ds = read("MR_small_RLE.dcm")  # signed, 16 bits stored
    expected = pydicom_array(ds)

    def level_shifted(stored):  # what the library returns: -1000 comes back as 31768
        return (stored.astype(np.int32) + 32768).astype(np.uint16)

    wrong = _decode_through(level_shifted, ds)
    assert wrong.dtype == np.int16
    off = wrong.astype(np.int32) - expected
    assert set(np.unique(off)) <= {32768, -32768} and off.all()  # every value off by 32768 (modulo 2**16)

    def undo_level_shift(arr, precision=16):  # the guide's fix, in the plugin
        return (arr.astype(np.int32) - (1 << (precision - 1))).astype(np.int16)

    np.testing.assert_array_equal(_decode_through(lambda stored: undo_level_shift(level_shifted(stored)), ds), expected)
