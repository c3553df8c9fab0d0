"""asv, write path and waveforms: dcmcore.compress, decompress, set_pixel_data, waveform_array.

Inputs: ``benchmarks/common_write.py`` (a 20-frame slice of the CT series keeps asv runs short).
"""

from __future__ import annotations

from pydicom.uid import JPEG2000Lossless, JPEGLSLossless, RLELossless

import dcmcore
from benchmarks import common_write
from dcmcore.uids import DeflatedImageFrameCompression

FRAMES = 20


class Compress:
    """Compress the CT series (natively encoded) to a lossless syntax."""

    params = ([str(RLELossless), str(DeflatedImageFrameCompression)], [1, 2])
    param_names = ["transfer_syntax", "workers"]
    timeout = 300

    def setup(self, uid, workers):
        self.ds = common_write.ct_dataset(FRAMES)

    def time_compress(self, uid, workers):
        dcmcore.compress(common_write.fresh(self.ds), uid, workers=workers)


class CompressJPEGFamily:
    """Compress the CT series to JPEG-LS / JPEG 2000 Lossless: dcmcore-imagecodecs, and pydicom's plugins."""

    params = [str(JPEGLSLossless), str(JPEG2000Lossless)]
    param_names = ["transfer_syntax"]
    timeout = 300

    def setup(self, uid):
        from benchmarks.compare_write import JPEG_FAMILY, usable

        self.label = dict((str(u), label) for u, label in JPEG_FAMILY)[uid]
        if not usable(uid, self.label):
            raise NotImplementedError(f"dcmcore-imagecodecs or pydicom's {self.label} cannot encode {uid} here")
        self.ds = common_write.ct_dataset(FRAMES)

    def time_compress(self, uid):
        dcmcore.compress(common_write.fresh(self.ds), uid, encoding_plugin="imagecodecs")

    def time_pydicom_compress(self, uid):
        common_write.fresh(self.ds).compress(uid, encoding_plugin=self.label)


class Decompress:
    """Decompress the CT series from RLE Lossless."""

    params = [1, 2]
    param_names = ["workers"]
    timeout = 300

    def setup(self, workers):
        self.ds = common_write.ct_rle_dataset(FRAMES)

    def time_decompress(self, workers):
        dcmcore.decompress(common_write.fresh(self.ds), workers=workers)


class SetPixelData:
    """Store the CT series' stored values as Pixel Data."""

    timeout = 300

    def setup(self):
        self.ds = common_write.ct_dataset(FRAMES)
        self.arr = dcmcore.pixel_array(self.ds)

    def time_set_pixel_data(self):
        dcmcore.set_pixel_data(common_write.fresh(self.ds), self.arr, "MONOCHROME2", 12, generate_instance_uid=False)


class Waveform:
    """The 12-lead ECG's first multiplex group as physical values, and its stored values."""

    def setup(self):
        self.ds = common_write.ecg()

    def time_waveform_array(self):
        dcmcore.waveform_array(self.ds, 0)

    def time_waveform_raw(self):
        dcmcore.waveform_array(self.ds, 0, raw=True)
