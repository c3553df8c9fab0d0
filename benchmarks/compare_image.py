"""The Image API: dcmcore.imread / Image / ImageFileReader vs highdicom and pydicom.

Inputs (``benchmarks/common_image.py``, generated once outside the tree):

* open + one frame of a 2000-frame 256 x 256 file: a lazy ``imread`` and one
  frame, against pydicom ``pixel_array(path, index=1499)`` and highdicom's
  lazy ``imread`` + ``get_frame(1500)``;
* 100 random frames through one open lazy Image / ``ImageFileReader``,
  against a loop of pydicom ``pixel_array(path, index=k)`` and highdicom's
  ``ImageFileReader.read_frame``; and the floor of any reader, the same
  frames read with one ``os.preadv`` each into new arrays (no decoding, no
  checks), against highdicom and against dcmcore: new memory is mapped page by
  page on first write, and on this machine that costs as much as the copy;
* ``get_frame`` with rescale + window for every frame of a 200-frame
  512 x 512 CT, against highdicom ``get_frame`` in a loop;
* a 2048 x 2048 region of a tiled 8192 x 8192 RGB slide with 256 x 256 JPEG
  Baseline tiles, against highdicom ``get_total_pixel_matrix`` (both lazy,
  opened once, uint8), and ``workers=2`` against ``workers=1``.
"""

from __future__ import annotations

import atexit
import logging
import os

import numpy as np

from benchmarks import common_image as C
from benchmarks.common import quiet as _quiet
from benchmarks.compare import Case


def cases(quick: bool = False) -> list[Case]:
    import highdicom as hd
    import highdicom.io

    import dcmcore
    from dcmcore.io import ImageFileReader

    logging.getLogger("highdicom").setLevel(logging.ERROR)
    nframes = 200 if quick else 2000
    many = C.many_frames_path(nframes)
    ct_frames = 20 if quick else 200
    ct = C.ct_path(ct_frames)
    total = 2048 if quick else 8192
    region = 1024 if quick else 2048
    wsi = C.wsi_path(total)
    target = nframes * 3 // 4  # frame 1500 of 2000

    def dc_open_one():
        with dcmcore.imread(many, lazy_frame_retrieval=True) as im:
            return im.get_stored_frame(target)

    def dc_open_one_frame():
        with dcmcore.imread(many, lazy_frame_retrieval=True) as im:
            return im.get_frame(target)

    def hd_open_one():
        return hd.imread(str(many), lazy_frame_retrieval=True).get_frame(target)

    rng = np.random.default_rng(7)
    picks = [int(k) for k in rng.integers(0, nframes, 100)]
    lazy = dcmcore.imread(many, lazy_frame_retrieval=True)
    reader = ImageFileReader(many)
    reader.open()
    hd_reader = hd.io.ImageFileReader(str(many))
    hd_reader.open()
    atexit.register(hd_reader.close)  # kept open for the cases; dcmcore's objects close themselves when collected

    def dc_random():
        return [lazy.get_stored_frame(k, as_index=True) for k in picks]

    def dc_reader_random():
        return [reader.read_frame(k) for k in picks]

    def pd_random():
        return [_pydicom_frame(many, k) for k in picks]

    def hd_reader_random():
        return [hd_reader.read_frame(k) for k in picks]

    # the floor of any reader: the same 100 frames read with one os.preadv each into new arrays
    floor_fd = os.open(many, os.O_RDONLY)
    atexit.register(os.close, floor_fd)
    frame_bytes = 256 * 256 * 2
    start = _pixel_offset(many)

    def floor_random():
        out = []
        for k in picks:
            arr = np.empty((256, 256), np.uint16)
            os.preadv(floor_fd, [arr], start + k * frame_bytes)
            out.append(arr)
        return out

    ct_image = dcmcore.imread(ct)
    hd_ct = _quiet(lambda: hd.imread(str(ct)))()
    window = dict(apply_voi_transform=True)

    def dc_ct_loop():
        return [ct_image.get_frame(k, **window) for k in range(1, ct_frames + 1)]

    def dc_ct_frames():
        return ct_image.get_frames(**window)

    def hd_ct_loop():
        return [hd_ct.get_frame(k, **window) for k in range(1, ct_frames + 1)]

    slide = dcmcore.imread(wsi, lazy_frame_retrieval=True)
    hd_slide = _quiet(lambda: hd.imread(str(wsi), lazy_frame_retrieval=True))()
    start = total // 2 - region // 2 + 1  # 1-based, not on a tile boundary: edge pieces of tiles on every side
    box = dict(row_start=start, row_end=start + region, column_start=start, column_end=start + region, dtype=np.uint8)

    def dc_region(workers):
        return lambda: slide.get_total_pixel_matrix(**box, workers=workers)

    hd_region = _quiet(lambda: hd_slide.get_total_pixel_matrix(**box))

    return [
        Case(f"open + frame {target} of {nframes}x256x256 (lazy imread, stored)", dc_open_one, "pydicom pixel_array(path, index)", lambda: _pydicom_frame(many, target - 1), target=1.0, target_text=">= 1x", repeat=9),
        Case(f"open + frame {target} of {nframes}x256x256 (lazy imread, get_frame)", dc_open_one_frame, "highdicom lazy imread + get_frame", hd_open_one, target=50.0, target_text=">= 50x", repeat=5),
        Case("100 random frames, one open lazy Image", dc_random, "pydicom pixel_array(path, index=k) loop", pd_random, target=10.0, target_text=">= 10x", repeat=5),
        Case("100 random frames, one open ImageFileReader", dc_reader_random, "highdicom ImageFileReader.read_frame", hd_reader_random, target=5.0, target_text=">= 5x", repeat=5),
        Case("100 random frames, os.preadv into new arrays (the floor)", floor_random, "highdicom ImageFileReader.read_frame", hd_reader_random, repeat=5),
        Case("100 random frames, one open ImageFileReader", dc_reader_random, "os.preadv into new arrays (the floor)", floor_random, repeat=5),
        Case(f"get_frame rescale + window, {ct_frames}x512x512 CT, loop", dc_ct_loop, "highdicom get_frame loop", hd_ct_loop, target=5.0, target_text=">= 5x", repeat=3),
        Case(f"get_frames rescale + window, {ct_frames}x512x512 CT, one call", dc_ct_frames, "highdicom get_frame loop", hd_ct_loop, repeat=3),
        Case(f"region {region}x{region} of a {total}x{total} JPEG slide, workers=1", dc_region(1), "highdicom get_total_pixel_matrix", hd_region, target=5.0, target_text=">= 5x", repeat=3),
        Case(f"region {region}x{region} of a {total}x{total} JPEG slide, workers=2", dc_region(2), "dcmcore workers=1", dc_region(1), target=1.7, target_text=">= 1.7x", repeat=5),
    ]


def _pixel_offset(path) -> int:
    """Where the value of the file's Pixel Data element starts (pydicom's reader stops in front of it)."""
    import pydicom

    with open(path, "rb") as fp:
        pydicom.dcmread(fp, stop_before_pixels=True)
        return fp.tell() + 12  # explicit VR: tag, 'OW', 2 reserved bytes, 4-byte length


def _pydicom_frame(path, index: int) -> np.ndarray:
    from pydicom.pixels import pixel_array

    return pixel_array(str(path), index=index)
