"""Plugin discovery through entry points of a throwaway third-party distribution.

Each test writes a ``*.dist-info`` with entry points and a module beside it on
a temporary ``sys.path`` entry, so discovery, priority, fallback and the
handling of broken plugins run exactly as for an installed distribution.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dcmcore
import dcmcore.plugins as plugins
from dcmcore.errors import NoPluginAvailableError, PluginError, UnsupportedPixelDataError
from tests._helpers import pydicom_array, read

RLE = "1.2.840.10008.1.2.5"

PLUGIN_MODULE = '''
import numpy as np
from dcmcore.plugins import PluginBase

CALLS = []


class Fake(PluginBase):
    label = "fake"
    priority = {priority}
    behaviour = "{behaviour}"

    def decode(self, src, spec, *, out=None, **options):
        CALLS.append(len(src))
        if self.behaviour == "fail":
            raise RuntimeError("fake decoder always fails")
        if self.behaviour == "zeros":
            return np.zeros(spec.frame_shape, spec.dtype), spec
        from dcmcore import rle
        return rle.decode_frame(src, spec, out=out), spec


class Missing(PluginBase):
    label = "needs-lib"
    priority = 1
    dependencies = {{"surely_not_an_installed_module_xyz": "surely-not-installed>=1"}}
    install_hint = "pip install surely-not-installed"

    def decode(self, src, spec, *, out=None, **options):
        raise AssertionError("never called: unavailable")


class OldApi(Fake):
    label = "old-api"
    api_version = 0


class Minimal:
    """Exactly the contract's minimum: label, priority, is_available() and decode (no base class)."""

    label = "minimal"
    priority = 0

    def is_available(self):
        return True

    def decode(self, src, spec, *, out=None, **options):
        CALLS.append("minimal")
        return np.full(spec.frame_shape, 7, spec.dtype), spec


class MinimalMissing(Minimal):
    label = "minimal-missing"

    def is_available(self):
        return False


class BadPriority(Fake):
    label = "bad-priority"
    priority = "high"


class RaisingLabel(Fake):
    @property
    def label(self):
        raise RuntimeError("label lookup failed")


class Panic(BaseException):
    """Like pyo3's PanicException: a BaseException, not an Exception."""


class Panics(Fake):
    label = "panics"
    priority = 0

    def decode(self, src, spec, *, out=None, **options):
        CALLS.append("panics")
        raise Panic("index out of bounds")


class Planar(Fake):
    label = "planar"
    priority = 0

    def decode(self, src, spec, *, out=None, **options):
        CALLS.append("planar")
        arr = Fake.decode(self, src, spec)[0]
        return np.ascontiguousarray(np.moveaxis(arr, -1, 0)), spec  # (samples, rows, columns): not the contract


class WrongDtype(Fake):
    label = "wrong-dtype"
    priority = 0

    def decode(self, src, spec, *, out=None, **options):
        CALLS.append("wrong-dtype")
        return np.zeros(spec.frame_shape, np.float64), spec


class Imposter(Fake):
    label = "dcmcore"  # the label of dcmcore's own RLE decoder
    priority = 0
    behaviour = "zeros"


class Encoder(PluginBase):
    label = "fake-encoder"
    priority = 0

    def encode(self, src, spec, **options):
        CALLS.append("encode")
        from dcmcore import rle
        return rle.encode_frame(src, spec)


DECODER = Fake()
MISSING = Missing()
OLD = OldApi()
NOT_A_PLUGIN = object()
MINIMAL = Minimal()
MINIMAL_MISSING = MinimalMissing()
BAD_PRIORITY = BadPriority()
RAISING_LABEL = RaisingLabel()
PANICS = Panics()
PLANAR = Planar()
WRONG_DTYPE = WrongDtype()
IMPOSTER = Imposter()
ENCODER = Encoder()
'''


def _install(tmp_path, *, priority=5, behaviour="ok", extra_entries="", module_name="fakeplug"):
    (tmp_path / f"{module_name}.py").write_text(PLUGIN_MODULE.format(priority=priority, behaviour=behaviour))
    dist = tmp_path / f"{module_name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module_name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            f"""\
            [dcmcore.decoders]
            {RLE} = {module_name}:DECODER
            """
        )
        + extra_entries
    )
    return tmp_path


@pytest.fixture
def fake_path(tmp_path, monkeypatch):
    """Put a temporary directory on sys.path and forget cached entry points around the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    plugins.refresh()
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("fakeplug")]:
        del sys.modules[name]
    monkeypatch.undo()
    plugins.refresh()


def test_builtin_plugins_register_through_entry_points():
    for uid in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2", RLE):
        infos = [i for i in plugins.decoders(uid) if i.label == "dcmcore"]
        assert len(infos) == 1
        assert infos[0].available
        assert infos[0].source.startswith("dcmcore ")
        assert infos[0].entry_point.startswith("dcmcore.codecs.")


def test_discovery_and_priority(fake_path):
    _install(fake_path, priority=5)
    infos = plugins.decoders(RLE)
    labels = [i.label for i in infos]
    assert "fake" in labels
    assert labels.index("fake") < labels.index("dcmcore")  # priority 5 < 10
    fake = next(i for i in infos if i.label == "fake")
    assert fake.available and fake.source == "fakeplug 1.0"

    import fakeplug

    ds = read("emri_small_RLE.dcm")
    arr = dcmcore.pixel_array(ds)
    assert len(fakeplug.CALLS) == 10  # one call per frame: the fake plugin was first
    np.testing.assert_array_equal(arr, pydicom_array(ds))


def test_low_priority_plugin_is_not_used(fake_path):
    _install(fake_path, priority=99, behaviour="zeros")
    import fakeplug

    ds = read("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert fakeplug.CALLS == []
    # ... unless asked for by label
    assert not dcmcore.pixel_array(ds, decoding_plugin="fake").any()
    assert len(fakeplug.CALLS) == 1


def test_given_order(fake_path):
    _install(fake_path, priority=99, behaviour="zeros")
    ds = read("MR_small_RLE.dcm")
    assert not dcmcore.pixel_array(ds, decoding_plugin=["fake", "dcmcore"]).any()
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin=["dcmcore", "fake"]), pydicom_array(ds))


def test_fallback_to_next_plugin(fake_path):
    _install(fake_path, priority=1, behaviour="fail")
    import fakeplug

    ds = read("emri_small_RLE.dcm")
    arr = dcmcore.pixel_array(ds)
    np.testing.assert_array_equal(arr, pydicom_array(ds))
    # the failing plugin was tried for the first frame, then the winner kept the lead
    assert len(fakeplug.CALLS) == 1


def test_all_plugins_fail_one_error_names_each(fake_path):
    _install(fake_path, priority=1, behaviour="fail")
    from pydicom.encaps import encapsulate, generate_frames

    ds = read("MR_small_RLE.dcm")
    frame = bytearray(next(generate_frames(ds.PixelData, number_of_frames=1)))
    frame[0:4] = (16).to_bytes(4, "little")  # 16 segments: more than RLE allows
    ds.PixelData = encapsulate([bytes(frame)])
    # corrupt data is final: no other plugin may return a silently wrong array
    with pytest.raises(ValueError, match="segment"):
        dcmcore.pixel_array(ds)

    ds = read("MR_small_RLE.dcm")
    with pytest.raises(PluginError) as info:
        dcmcore.pixel_array(ds, decoding_plugin=["fake"])
    assert "'fake'" in str(info.value) and "always fails" in str(info.value)


def test_unavailable_plugin_is_listed_with_reason(fake_path):
    _install(fake_path, extra_entries=f"{RLE} = fakeplug:MISSING\n")
    infos = {i.label: i for i in plugins.decoders(RLE)}
    missing = infos["needs-lib"]
    assert not missing.available and not missing.broken
    assert "surely-not-installed" in missing.reason and "pip install" in missing.reason
    # skipped by default although its priority is the best
    ds = read("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    with pytest.raises(NoPluginAvailableError, match="surely-not-installed"):
        dcmcore.pixel_array(ds, decoding_plugin="needs-lib")


def test_broken_plugins_are_reported_and_skipped(fake_path):
    (fake_path / "fakeplug_broken.py").write_text("raise ValueError('numpy.ndarray size changed')\n")
    _install(
        fake_path,
        extra_entries=(
            f"{RLE} = fakeplug_broken:DECODER\n"
            f"{RLE} = fakeplug:OLD\n"
            f"{RLE} = fakeplug:NOT_A_PLUGIN\n"
            f"{RLE} = no_such_module_at_all:DECODER\n"
        ),
    )
    infos = plugins.decoders(RLE)
    broken = [i for i in infos if i.broken]
    assert len(broken) == 4
    reasons = " | ".join(i.reason for i in broken)
    assert "numpy.ndarray size changed" in reasons
    assert "plugin API version 0" in reasons
    assert "lacks" in reasons
    assert "No module named 'no_such_module_at_all'" in reasons
    assert infos[-1].broken  # broken ones sort last
    ds = read("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    text = plugins.report()
    assert "BROKEN" in text and "fakeplug_broken:DECODER" in text


def test_broken_plugin_never_breaks_import_or_cli(fake_path):
    (fake_path / "fakeplug_broken.py").write_text("raise ValueError('boom at import')\n")
    _install(fake_path, extra_entries=f"{RLE} = fakeplug_broken:DECODER\n")
    env_path = f"{fake_path}"
    code = "import dcmcore, sys; print('ok', 'fakeplug_broken' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": env_path, "PATH": ""}, check=True
    )
    assert done.stdout.split() == ["ok", "False"]  # imported nothing at import time
    done = subprocess.run(
        [sys.executable, "-m", "dcmcore", "plugins"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": ""},
        check=True,
    )
    assert "BROKEN" in done.stdout and "boom at import" in done.stdout
    assert "RLE Lossless (1.2.840.10008.1.2.5)" in done.stdout


def _zeros_decoder(label: str, priority: int) -> plugins.PluginBase:
    """A run-time decoder that returns all-zero frames (easy to tell from real pixels)."""

    class Zeros(plugins.PluginBase):
        def decode(self, src, spec, *, out=None, **options):
            return np.zeros(spec.frame_shape, spec.dtype), spec

    Zeros.label, Zeros.priority = label, priority
    return Zeros()


def test_runtime_registration():
    ds = read("MR_small_RLE.dcm")
    plugins.register_decoder(RLE, _zeros_decoder("zeros-at-runtime", 0))
    try:
        info = plugins.decoders(RLE)[0]
        assert (info.label, info.source) == ("zeros-at-runtime", "registered at run time")
        assert not dcmcore.pixel_array(ds).any()
        with pytest.raises(ValueError, match="already registered"):
            plugins.register_decoder(RLE, _zeros_decoder("zeros-at-runtime", 0))
        plugins.register_decoder(RLE, _zeros_decoder("zeros-at-runtime", 0), replace=True)
    finally:
        assert plugins.unregister_decoder(RLE, "zeros-at-runtime")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    with pytest.raises(TypeError, match="lacks"):
        plugins.register_decoder(RLE, object())


def test_unknown_label_and_unknown_syntax():
    ds = read("MR_small_RLE.dcm")
    with pytest.raises(ValueError, match="No decoding plugin labelled 'nope'.*'dcmcore'"):
        dcmcore.pixel_array(ds, decoding_plugin="nope")
    ds.file_meta.TransferSyntaxUID = "1.2.3.4.5.6"
    with pytest.raises(UnsupportedPixelDataError, match="No plugin can decode the transfer syntax 1.2.3.4.5.6"):
        dcmcore.pixel_array(ds)


def test_cli_lists_plugins():
    done = subprocess.run([sys.executable, "-m", "dcmcore", "plugins"], capture_output=True, text=True, check=True)
    out = done.stdout
    assert "Decoders (dispatch order per transfer syntax)" in out
    assert "RLE Lossless (1.2.840.10008.1.2.5)" in out
    assert "1. dcmcore" in out
    assert "Encoders" in out


def test_minimal_contract_plugin(fake_path):
    """A plugin with only label, priority, is_available() and decode is discovered and used."""
    _install(fake_path, extra_entries=f"{RLE} = fakeplug:MINIMAL\n{RLE} = fakeplug:MINIMAL_MISSING\n")
    infos = {i.label: i for i in plugins.decoders(RLE)}
    assert isinstance(infos["minimal"].plugin, plugins.DecoderPlugin)  # the Protocol asks for no more
    assert infos["minimal"].available and not infos["minimal"].broken
    assert not infos["minimal-missing"].available and not infos["minimal-missing"].broken
    assert "is_available() check returned False" in infos["minimal-missing"].reason
    ds = read("MR_small_RLE.dcm")
    assert (dcmcore.pixel_array(ds) == 7).all()  # priority 0: first
    with pytest.raises(NoPluginAvailableError, match="is_available"):
        dcmcore.pixel_array(ds, decoding_plugin="minimal-missing")


def test_malformed_plugin_attributes_are_broken_not_fatal(fake_path):
    _install(fake_path, extra_entries=f"{RLE} = fakeplug:BAD_PRIORITY\n{RLE} = fakeplug:RAISING_LABEL\n")
    infos = plugins.decoders(RLE)
    reasons = " | ".join(i.reason for i in infos if i.broken)
    assert "priority must be an int, not 'high'" in reasons
    assert "label lookup failed" in reasons
    ds = read("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert "BROKEN" in plugins.report()
    done = subprocess.run(
        [sys.executable, "-m", "dcmcore", "plugins"], capture_output=True, text=True,
        env={"PYTHONPATH": str(fake_path), "PATH": ""}, check=True,
    )
    assert "priority must be an int" in done.stdout


@pytest.mark.parametrize("name, label", [("PANICS", "panics"), ("PLANAR", "planar"), ("WRONG_DTYPE", "wrong-dtype")])
def test_misbehaving_plugin_falls_back(fake_path, name, label):
    """A panic (BaseException), a planar array or a wrong dtype is a plugin failure: the next plugin decodes."""
    _install(fake_path, extra_entries=f"{RLE} = fakeplug:{name}\n")
    import fakeplug

    ds = read("SC_rgb_rle.dcm")
    assert plugins.decoders(RLE)[0].label == label
    np.testing.assert_array_equal(dcmcore.pixel_array(ds), pydicom_array(ds))
    assert fakeplug.CALLS.count(label) == 1 and fakeplug.CALLS[0] == label  # tried once; the winner kept the lead
    with pytest.raises(PluginError, match=f"'{label}'"):
        dcmcore.pixel_array(ds, decoding_plugin=label)


def test_interrupts_are_not_plugin_failures(fake_path):
    class Interrupted(plugins.PluginBase):
        label = "interrupted"
        priority = 0

        def decode(self, src, spec, *, out=None, **options):
            raise KeyboardInterrupt

    plugins.register_decoder(RLE, Interrupted())
    try:
        with pytest.raises(KeyboardInterrupt):
            dcmcore.pixel_array(read("MR_small_RLE.dcm"))
    finally:
        plugins.unregister_decoder(RLE, "interrupted")


def test_duplicate_labels_one_plugin_per_label(fake_path):
    _install(fake_path, extra_entries=f"{RLE} = fakeplug:IMPOSTER\n")
    infos = plugins.decoders(RLE)
    usable = [i for i in infos if i.label == "dcmcore" and not i.broken]
    assert len(usable) == 1 and usable[0].source.startswith("dcmcore ")  # "dcmcore" stays dcmcore's own
    ds = read("MR_small_RLE.dcm")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin="dcmcore"), pydicom_array(ds))
    dupe = next(i for i in infos if i.label == "dcmcore" and i.broken)
    assert "already used" in dupe.reason and dupe.source == "fakeplug 1.0"


def test_runtime_registration_wins_a_label():
    ds = read("MR_small_RLE.dcm")
    plugins.register_decoder(RLE, _zeros_decoder("dcmcore", 99))
    try:
        assert not dcmcore.pixel_array(ds, decoding_plugin="dcmcore").any()
    finally:
        plugins.unregister_decoder(RLE, "dcmcore")
    np.testing.assert_array_equal(dcmcore.pixel_array(ds, decoding_plugin="dcmcore"), pydicom_array(ds))


def test_all_fail_names_tried_and_skipped_plugins_and_what_to_install(fake_path):
    _install(fake_path, priority=1, behaviour="fail", extra_entries=f"{RLE} = fakeplug:MISSING\n")
    ds = read("MR_small_RLE.dcm")
    with pytest.raises(PluginError) as info:
        dcmcore.pixel_array(ds, decoding_plugin=["fake", "needs-lib"])
    text = str(info.value)
    assert "'fake': RuntimeError: fake decoder always fails" in text
    assert "not tried" in text and "'needs-lib'" in text and "surely-not-installed" in text
    assert "install dcmcore (built in), or the dcmcore-rle / dcmcore-gdcm plugins" in text


def test_encoders_are_discovered_through_entry_points(fake_path):
    _install(fake_path, extra_entries=f"\n[dcmcore.encoders]\n{RLE} = fakeplug:ENCODER\n")
    infos = plugins.encoders(RLE)
    assert infos[0].label == "fake-encoder" and infos[0].source == "fakeplug 1.0" and infos[0].available
    import fakeplug

    ds = read("MR_small.dcm")
    spec = dcmcore.PixelSpec.from_dataset(ds)
    encoded = plugins.encoder_dispatcher(RLE).encode(ds.pixel_array, spec)
    assert fakeplug.CALLS == ["encode"]
    from dcmcore import rle

    np.testing.assert_array_equal(rle.decode_frame(encoded, spec), ds.pixel_array)

