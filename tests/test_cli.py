"""The ``dcmcore`` command line, run as a program on real files (``python -m dcmcore``, this tree)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore.tools import render_frame
from dcmcore.transforms import TransformChain, VOILUTTransformation
from tests._helpers import read, testdata

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def run(*args, cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "dcmcore", *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def _png(path):
    from PIL import Image

    with Image.open(path) as img:
        return np.asarray(img)


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_info_describes_files():
    res = run("info", testdata("MR_small_RLE.dcm"), testdata("MR-SIEMENS-DICOM-WithOverlays.dcm"), testdata("waveform_ecg.dcm"))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "RLE Lossless" in out and "decoded by: dcmcore" in out
    assert "overlays: 6000" in out and "transforms: window" in out
    assert "waveforms: 2 multiplex group(s)" in out and "64 x 64" in out
    bad = run("info", testdata("CT_small.dcm"), "no-such-file.dcm")
    assert bad.returncode == 1 and "no-such-file.dcm" in bad.stderr and "CT_small" in bad.stdout


def test_render_equals_the_transform_chain(tmp_path):
    path = testdata("CT_small.dcm")
    res = run("render", path, "-o", tmp_path / "ct.png", "--window", "40,400")
    assert res.returncode == 0, res.stderr
    ds = read("CT_small.dcm")
    chain = TransformChain.from_dataset(
        ds, apply_voi_transform=True, voi_output_range=(0.0, 1.0),
        voi_transform_selector=VOILUTTransformation(window_center=40, window_width=400),
    )  # fmt: skip
    expected = np.rint(np.clip(chain(dcmcore.pixel_array(ds)), 0, 1) * 255).astype(np.uint8)
    assert np.array_equal(_png(tmp_path / "ct.png"), expected)
    # no window stored, none given: the frame's range
    assert run("render", path, "-o", tmp_path / "auto.png").returncode == 0
    auto = _png(tmp_path / "auto.png")
    assert auto.min() == 0 and auto.max() == 255


def test_render_burns_overlays_in(tmp_path):
    path = testdata("MR-SIEMENS-DICOM-WithOverlays.dcm")
    assert run("render", path, "-o", tmp_path / "with.png").returncode == 0
    assert run("render", path, "-o", tmp_path / "without.png", "--no-overlays").returncode == 0
    ds = read("MR-SIEMENS-DICOM-WithOverlays.dcm")
    overlay = dcmcore.overlay_array(ds, 0x6000).astype(bool)
    with_, without = _png(tmp_path / "with.png"), _png(tmp_path / "without.png")
    assert (with_[overlay] == 255).all() and np.array_equal(with_[~overlay], without[~overlay])
    assert np.array_equal(without, render_frame(ds, overlays=False))


def test_render_all_frames_and_colour(tmp_path):
    path = testdata("emri_small.dcm")
    ds = read("emri_small.dcm")
    res = run("render", path, "-o", tmp_path / "sheet.png", "--all-frames", tmp_path / "frames")
    frames = sorted((tmp_path / "frames").glob("*.png"))
    assert res.returncode == 0, res.stderr
    assert len(frames) == ds.NumberOfFrames
    assert np.array_equal(_png(frames[3]), render_frame(ds, 3))
    assert run("render", path, "-o", tmp_path / "x.png", "--voi", "0").returncode == 1  # no VOI stored
    sheet = _png(tmp_path / "sheet.png")
    assert sheet.shape[0] > ds.Rows and sheet.shape[1] > ds.Columns
    rgb = run("render", testdata("SC_rgb_rle_2frame.dcm"), "-o", tmp_path / "rgb.png", "--frame", "1")
    assert rgb.returncode == 0, rgb.stderr
    assert np.array_equal(_png(tmp_path / "rgb.png"), dcmcore.pixel_array(testdata("SC_rgb_rle_2frame.dcm"), index=1))


def _tree(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    for name in ("CT_small.dcm", "MR_small.dcm"):
        shutil.copy(testdata(name), src / name)
    shutil.copy(testdata("SC_rgb_rle_2frame.dcm"), src / "sub" / "rgb_rle.dcm")
    (src / "sub" / "notes.txt").write_text("not DICOM")
    return src


def test_compress_a_tree_reports_failures_and_leaves_input(tmp_path):
    src = _tree(tmp_path)
    digests = {p: _digest(p) for p in src.rglob("*") if p.is_file()}
    res = run("compress", src, tmp_path / "out", "--syntax", "rle", "--workers", "2")
    assert res.returncode == 1, res.stderr  # one file failed: notes.txt
    assert "notes.txt" in res.stderr and "2 converted, 1 unchanged, 1 failed" in res.stdout
    assert {p: _digest(p) for p in digests} == digests
    out = tmp_path / "out"
    assert not list(out.rglob("*.tmp"))
    for name in ("CT_small.dcm", "MR_small.dcm", "sub/rgb_rle.dcm"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(out / name)
        assert ds.file_meta.TransferSyntaxUID == pydicom.uid.RLELossless
        assert np.array_equal(pydicom.pixels.pixel_array(ds), dcmcore.pixel_array(src / name))


def test_decompress_in_place_and_single_files(tmp_path):
    src = _tree(tmp_path)
    (src / "sub" / "notes.txt").unlink()
    expected = dcmcore.pixel_array(src / "sub" / "rgb_rle.dcm")
    res = run("decompress", src, "--in-place", "--quiet")
    assert res.returncode == 0, res.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(src / "sub" / "rgb_rle.dcm")
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert np.array_equal(pydicom.pixels.pixel_array(ds), expected)
    one = run("compress", src / "CT_small.dcm", tmp_path / "ct_deflated.dcm", "--syntax", "DeflatedImageFrameCompression",
              "--level", "9", "--encapsulate-ext")  # fmt: skip
    assert one.returncode == 0, one.stderr
    ds = pydicom.dcmread(tmp_path / "ct_deflated.dcm")
    assert "ExtendedOffsetTable" in ds
    assert np.array_equal(dcmcore.pixel_array(ds), dcmcore.pixel_array(src / "CT_small.dcm"))


def test_bad_arguments(tmp_path):
    assert run("compress", testdata("CT_small.dcm"), tmp_path / "x.dcm", "--syntax", "nonsense").returncode == 1
    assert run("decompress", testdata("CT_small.dcm")).returncode == 2  # neither OUT nor --in-place
    assert run("render", testdata("CT_small.dcm"), "-o", tmp_path / "x.png", "--window", "1").returncode == 2
    assert run("plugins").returncode == 0
