"""Frames read one at a time from a file through a plugin's ``in_place_decoder`` (or without one).

A lazily read image hands natively encoded frames read into their output to
the first plugin's ``in_place_decoder``, a capability found by attribute; a
plugin without it, or one that declines (None), gets the frame as a run
through ``decode_frames``. Each way the frames equal highdicom's.
"""

from __future__ import annotations

import logging

import highdicom as hd
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

import dcmcore
import dcmcore.plugins as plugins
from dcmcore.uids import NATIVE_TRANSFER_SYNTAXES

logging.getLogger("highdicom").setLevel(logging.ERROR)

FILES = [
    "emri_small.dcm",  # 12 of 16 bits: the unused bits cleared
    "MR_small_bigendian.dcm",  # byte swapped
    "SC_ybr_full_uncompressed.dcm",  # YBR_FULL, 8-bit
    "SC_rgb_2frame.dcm",  # a plain copy
    "rtdose.dcm",  # 32-bit, implicit VR
]


def _signed_12_bit(tmp_path):
    """emri_small.dcm relabelled signed: the 12-bit values sign-extended."""
    ds = pydicom.dcmread(get_testdata_file("emri_small.dcm"))
    ds.PixelRepresentation = 1
    path = tmp_path / "signed12.dcm"
    ds.save_as(path)
    return path


def _expected(path, number):
    """Frame `number` (1-based) by highdicom; by pydicom for big endian files, which highdicom refuses."""
    if pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID.is_little_endian:
        return hd.imread(str(path)).get_stored_frame(number)
    from pydicom.pixels import pixel_array

    return pixel_array(str(path), index=number - 1)


class Wrapper:
    """The built-in native decoder behind another label, run first; records what dcmcore asks of it."""

    priority = 1

    def __init__(self, label, mode):
        from dcmcore.codecs.native_decoder import DECODER

        self.label = label
        self.inner = DECODER
        self.mode = mode  # "kernel", "declines" or "without"
        self.made = 0
        self.calls = 0
        self.runs = 0

    def is_available(self, uid):
        return True

    def decode(self, src, spec, **kwargs):
        return self.inner.decode(src, spec, **kwargs)

    def decodes_in_place(self, spec, **kwargs):
        return self.inner.decodes_in_place(spec, **kwargs)

    def decode_frames(self, run, spec, out, **kwargs):
        self.runs += 1
        return self.inner.decode_frames(run, spec, out, **kwargs)

    def __getattr__(self, name):
        if name == "in_place_decoder" and self.mode != "without":
            return self._in_place_decoder
        raise AttributeError(name)

    def _in_place_decoder(self, spec, **kwargs):
        self.made += 1
        if self.mode == "declines":
            return None
        kernel = self.inner.in_place_decoder(spec, **kwargs)
        if kernel is None:
            return None

        def counted(dst, count):
            self.calls += 1
            kernel(dst, count)

        return counted


@pytest.fixture(params=["kernel", "declines", "without"])
def wrapper(request):
    plugin = Wrapper(f"test-in-place-{request.param}", request.param)
    for uid in NATIVE_TRANSFER_SYNTAXES:
        plugins.register_decoder(uid, plugin)
    yield plugin
    for uid in NATIVE_TRANSFER_SYNTAXES:
        plugins.unregister_decoder(uid, plugin.label)


@pytest.mark.parametrize("name", [*FILES, "signed 12-bit"])
def test_frames_read_one_at_a_time_equal_highdicom(name, wrapper, tmp_path):
    path = _signed_12_bit(tmp_path) if name == "signed 12-bit" else get_testdata_file(name)
    with dcmcore.imread(path, lazy_frame_retrieval=True) as im:
        count = im.number_of_frames
        for number in (count, 1, *range(1, count + 1)):
            np.testing.assert_array_equal(im.get_stored_frame(number), _expected(path, number))
        assert im.plugin_label == wrapper.label
    if wrapper.mode == "kernel":
        assert wrapper.made == 1  # once per image, not per frame
        assert wrapper.calls == count + 2 and wrapper.runs == 0
    else:
        assert wrapper.made == (1 if wrapper.mode == "declines" else 0)
        assert wrapper.runs == count + 2  # each frame handed over as a run of one


def test_the_reader_of_random_frames_uses_the_kernel(wrapper):
    path = get_testdata_file("emri_small.dcm")
    reader_hd = hd.io.ImageFileReader(path)
    reader_hd.open()
    try:
        with dcmcore.io.ImageFileReader(path) as reader:
            for index in (9, 0, 4, 4):
                np.testing.assert_array_equal(reader.read_frame(index), reader_hd.read_frame(index))
    finally:
        reader_hd.close()
    assert (wrapper.calls if wrapper.mode == "kernel" else wrapper.runs) == 4


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda shape, dtype: np.zeros((2, *shape), dtype), ValueError),  # two frames
        (lambda shape, dtype: np.zeros(2 * shape[0] * shape[1], dtype), ValueError),  # flat, too large
        (lambda shape, dtype: np.zeros((shape[0] - 1, shape[1]), dtype), ValueError),  # too small
        (lambda shape, dtype: np.zeros(shape, dtype, order="F"), ValueError),  # not C-contiguous
        (lambda shape, dtype: np.zeros(shape, np.float32), TypeError),  # another dtype
    ],
)
@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_jpeg_ls_lossless.dcm"])
def test_an_output_that_is_not_one_frame_is_refused(name, make, error):
    """A frame read into the caller's array: the array is checked before anything is read into it."""
    with dcmcore.imread(get_testdata_file(name), lazy_frame_retrieval=True) as im:
        store = im._store()
        frame = im.get_stored_frame(1)
        with pytest.raises(error, match="'out'"):
            store.frame(0, make(frame.shape, frame.dtype))
        out = np.zeros((1, *frame.shape), frame.dtype)  # one frame, with a leading axis of 1: accepted
        np.testing.assert_array_equal(store.frame(0, out)[0], frame)
