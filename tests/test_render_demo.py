"""``dcmcore render`` on palettes, MONOCHROME1, presentation LUTs and ICC profiles; ``dcmcore demo``.

The rendered PNG (the command line, run as a program) is compared with the
public transform chain's array (:class:`dcmcore.TransformChain`), whose
palette, presentation and ICC stages are themselves tested against pydicom
and highdicom; the inversions are checked against the same file rendered as
MONOCHROME2 / IDENTITY.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore import TransformChain, VOILUTTransformation
from tests._helpers import read, testdata

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def run(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "dcmcore", *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


def _png(path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img)


def _render(path, tmp_path, *args) -> np.ndarray:
    out = tmp_path / "out.png"
    res = run("render", path, "-o", out, *args)
    assert res.returncode == 0, res.stderr
    return _png(out)


def _to_8_bits(values: np.ndarray, top: float) -> np.ndarray:
    return np.rint(np.clip(values * (255.0 / top), 0, 255)).astype(np.uint8)


# -- palettes ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["OBXXXX1A.dcm", "OT-PAL-8-face.dcm", "gdcm-US-ALOKA-16.dcm", "OBXXXX1A_rle_2frame.dcm"])
def test_render_palette_colour(name, tmp_path):
    ds = read(name)
    got = _render(testdata(name), tmp_path, "--frame", "1" if "2frame" in name else "0")
    index = 1 if "2frame" in name else None
    stored = dcmcore.pixel_array(ds, index=index)
    rgb = TransformChain.from_dataset(ds, frame_index=index)(stored)  # palette (and ICC) applied
    assert rgb.shape == (*stored.shape, 3)
    bits = int(ds.RedPaletteColorLookupTableDescriptor[2])  # the palette's entries are this many bits
    np.testing.assert_array_equal(got, _to_8_bits(rgb, (1 << bits) - 1))
    assert got.ndim == 3 and len(np.unique(got.reshape(-1, 3), axis=0)) > 8  # colours, not grey


def test_render_refuses_what_is_not_an_image(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not DICOM")
    res = run("render", notes, "-o", tmp_path / "x.png")
    assert res.returncode == 1 and "Traceback" not in res.stderr and "Pixel Data" in res.stderr


# -- MONOCHROME1 and presentation LUTs ------------------------------------------------------
def test_render_monochrome1_is_the_inverted_monochrome2(tmp_path):
    name = "RG1_UNCR.dcm"
    ds = read(name)
    got = _render(testdata(name), tmp_path)
    chain = TransformChain.from_dataset(ds, apply_voi_transform=True, voi_output_range=(0.0, 1.0))
    expected = _to_8_bits(chain(dcmcore.pixel_array(ds)), 1.0)
    np.testing.assert_array_equal(got, expected)
    # the same stored values said to be MONOCHROME2: the picture inverted
    ds.PhotometricInterpretation = "MONOCHROME2"
    mono2 = tmp_path / "mono2.dcm"
    ds.save_as(mono2)
    upright = _render(mono2, tmp_path)
    assert np.abs(got.astype(int) - (255 - upright.astype(int))).max() <= 1


def test_render_presentation_lut_shape_inverse(tmp_path):
    ds = read("emri_small.dcm")
    assert ds.PresentationLUTShape == "IDENTITY"
    window = ("--window", "600,1200")
    identity = _render(testdata("emri_small.dcm"), tmp_path, *window)
    ds.PresentationLUTShape = "INVERSE"
    inverse_path = tmp_path / "inverse.dcm"
    ds.save_as(inverse_path)
    inverse = _render(inverse_path, tmp_path, *window)
    chain = TransformChain.from_dataset(
        ds, frame_index=0, apply_voi_transform=True, voi_output_range=(0.0, 1.0),
        voi_transform_selector=VOILUTTransformation(window_center=600, window_width=1200),
    )  # fmt: skip
    np.testing.assert_array_equal(inverse, _to_8_bits(chain(dcmcore.pixel_array(ds, index=0)), 1.0))
    assert np.abs(inverse.astype(int) - (255 - identity.astype(int))).max() <= 1
    assert identity.std() > 10  # a picture, not a flat field


# -- ICC profiles --------------------------------------------------------------------------
def _icc_profile() -> bytes:
    return resources.files("highdicom").joinpath("_icc_profiles/sRGB_v4_ICC_preference.icc").read_bytes()


def test_render_applies_the_icc_profile(tmp_path):
    pytest.importorskip("highdicom")
    ds = read("SC_rgb.dcm")
    plain = _render(testdata("SC_rgb.dcm"), tmp_path)
    ds.ICCProfile = _icc_profile()
    with_icc = tmp_path / "icc.dcm"
    ds.save_as(with_icc)
    got = _render(with_icc, tmp_path)
    stored = dcmcore.pixel_array(ds)
    corrected = TransformChain.from_dataset(ds)(stored)  # the chain's ICC stage: highdicom's ColorManager
    np.testing.assert_array_equal(got, _to_8_bits(corrected, 255.0))
    np.testing.assert_array_equal(plain, stored)
    assert not np.array_equal(got, plain)  # a real correction


# -- the demo ------------------------------------------------------------------------------
_DEMO_FILES = ["CT_small.dcm", "RG1_UNCR.dcm", "OBXXXX1A.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm",
               "SC_rgb_rle.dcm", "MR_truncated.dcm", "badVR.dcm"]  # fmt: skip


def test_demo_lists_failures_writes_a_sheet_and_times_each_syntax(tmp_path):
    from dcmcore.demo import run as demo

    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = demo(out, tmp_path / "sheet.png", names=_DEMO_FILES)
    text = out.getvalue()
    assert result.sheet == tmp_path / "sheet.png" and str(result.sheet) in text
    sheet = _png(result.sheet)
    assert sheet.ndim == 3 and sheet.shape[0] > 112 and sheet.shape[1] > 3 * 112
    failed = {label for label, _ in result.failed}
    assert failed == {"MR_truncated.dcm", "badVR.dcm"}  # broken on purpose; the others rendered
    assert result.rendered == len(_DEMO_FILES) - 2
    for syntax in ("Explicit LE", "RLE"):
        line = next(line for line in text.splitlines() if line.startswith(syntax + " "))
        assert "ms" in line and "pydicom's speed" in line
    assert "MR_truncated.dcm" in text and "badVR.dcm" in text


def test_demo_command_line(tmp_path):
    res = run("demo", "-o", tmp_path / "d.png", "--only", "CT_small.dcm", "--only", "SC_rgb_rle.dcm")
    assert res.returncode == 0, res.stderr
    assert str(tmp_path / "d.png") in res.stdout and (tmp_path / "d.png").stat().st_size > 1000
    # the CT tile is the rendered CT (its range window), downscaled into the first cell
    ds = pydicom.dcmread(testdata("CT_small.dcm"))
    assert "WindowCenter" not in ds
