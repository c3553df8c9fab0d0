"""Lazy images: what is read from the file, when it is closed, threads, and the Image as a data set."""

from __future__ import annotations

import copy
import gc
import io
import os
import pickle
import threading
import warnings

import numpy as np
import pydicom
import pytest

import dcmcore
from dcmcore import FrameIndexError, Image, imread
from dcmcore.transforms import TransformChain
from tests._helpers import testdata

hd = pytest.importorskip("highdicom")


class CountingFile(io.RawIOBase):
    """A seekable binary file that counts the bytes read from it (no fileno: every read goes through it)."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buf.seek(offset, whence)

    def tell(self) -> int:
        return self._buf.tell()

    def readinto(self, b) -> int:
        n = self._buf.readinto(b)
        self.bytes_read += n
        return n


@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_RLE.dcm", "emri_small_jpeg_ls_lossless.dcm", "liver.dcm"])
def test_a_lazy_frame_reads_only_that_frame(name):
    data = testdata(name).read_bytes()
    fp = CountingFile(data)
    with imread(fp, lazy_frame_retrieval=True) as im:
        opened = fp.bytes_read
        nframes = im.number_of_frames
        assert opened < len(data)  # never the whole file, fragment payloads included
        eager = imread(io.BytesIO(data))
        for k in range(1, nframes + 1):
            before = fp.bytes_read
            frame = im.get_stored_frame(k)
            raw_len = len(eager.get_raw_frame(k))
            assert fp.bytes_read - before <= raw_len  # that frame's bytes, nothing more
            np.testing.assert_array_equal(frame, eager.get_stored_frame(k))


def test_opening_an_encapsulated_file_reads_no_payload_but_the_first_frame():
    data = testdata("emri_small_RLE.dcm").read_bytes()
    fp = CountingFile(data)
    with imread(fp, lazy_frame_retrieval=True) as im:
        header = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True)
        assert header.SOPInstanceUID == im.SOPInstanceUID
        first = len(im.get_raw_frame(1))
    # the data set, item headers (8 bytes each) and frame 1, shown to the geometry check once
    assert fp.bytes_read <= len(data) - sum(len(imread(io.BytesIO(data)).get_raw_frame(k)) for k in range(2, 11)) + first


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_the_file_is_closed_by_close_with_and_garbage_collection():
    path = testdata("emri_small.dcm")
    base = _open_fds()
    im = imread(path, lazy_frame_retrieval=True)
    assert _open_fds() == base + 1
    im.close()
    assert _open_fds() == base
    with pytest.raises(ValueError, match="closed"):
        im.get_stored_frame(1)
    with imread(path, lazy_frame_retrieval=True) as im:
        im.get_frame(2)
    assert _open_fds() == base
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        im = imread(path, lazy_frame_retrieval=True)
        im.get_stored_frame(3)
        del im  # no cycle: the file is closed now, without a ResourceWarning
        assert _open_fds() == base
        gc.collect()


def test_a_lazy_image_is_usable_from_several_threads():
    path = testdata("emri_small_jpeg_ls_lossless.dcm")
    want = dcmcore.pixel_array(path)
    with imread(path, lazy_frame_retrieval=True) as im:
        got: dict = {}
        errors: list = []

        def work(k: int) -> None:
            try:
                for _ in range(3):
                    got[k] = im.get_stored_frame(k, as_index=True)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(k,)) for k in range(im.number_of_frames)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        for k, frame in got.items():
            np.testing.assert_array_equal(frame, want[k])


@pytest.mark.parametrize("name", ["emri_small.dcm", "emri_small_jpeg_ls_lossless.dcm", "SC_rgb_2frame.dcm", "MR_small.dcm"])
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_frames_kept_from_several_threads_stay_equal_highdicom(name, lazy):
    # frames pass through per-thread scratch arrays on their way out: every frame returned must be its own
    path = testdata(name)
    ref = hd.imread(str(path))
    n = ref.number_of_frames
    want = [ref.get_frame(k, apply_voi_transform=None, dtype=np.float32) for k in range(1, n + 1)]
    want_stored = [ref.get_stored_frame(k) for k in range(1, n + 1)]
    with imread(path, lazy_frame_retrieval=lazy) as im:
        kept: dict = {}
        errors: list = []

        def work(offset: int) -> None:
            try:
                for k in [*range(offset, n), *range(offset)]:
                    kept[offset, k] = (
                        im.get_frame(k + 1, apply_voi_transform=None, dtype=np.float32), im.get_stored_frame(k + 1)
                    )
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(offset,)) for offset in range(min(n, 3))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        for (_, k), (frame, stored) in kept.items():
            np.testing.assert_allclose(frame, want[k], rtol=0, atol=1e-6)
            np.testing.assert_array_equal(stored, want_stored[k])


def test_frame_numbers_are_one_based_unless_as_index():
    im = imread(testdata("emri_small.dcm"))
    np.testing.assert_array_equal(im.get_stored_frame(1), im.get_stored_frame(0, as_index=True))
    for bad, as_index in ((0, False), (11, False), (10, True), (-1, True)):
        with pytest.raises(FrameIndexError):
            im.get_frame(bad, as_index=as_index)
        with pytest.raises(IndexError):
            im.get_stored_frame(bad, as_index=as_index)
        with pytest.raises(ValueError):
            im.get_raw_frame(bad, as_index=as_index)
    with pytest.raises(TypeError):
        im.get_frame(1.5)


def test_an_image_is_a_dataset():
    path = testdata("CT_small.dcm")
    im = imread(path)
    ds = pydicom.dcmread(path)
    assert isinstance(im, pydicom.Dataset)
    assert im.keys() == ds.keys() and all(im[tag] == ds[tag] for tag in ds.keys())
    assert [e.tag for e in im] == [e.tag for e in ds]  # iterating gives elements, as for any data set
    im.PatientName = "Changed^Name"
    assert im.PatientName == "Changed^Name"
    np.testing.assert_array_equal(im.pixel_array, ds.pixel_array)
    assert copy.deepcopy(im) == im and isinstance(copy.deepcopy(im), Image) and copy.deepcopy(im) is not im
    again = pickle.loads(pickle.dumps(im))
    np.testing.assert_array_equal(again.get_stored_frame(1), ds.pixel_array)
    # from_dataset copies unless asked not to
    copied = Image.from_dataset(ds)
    assert copied is not ds and type(ds) is pydicom.FileDataset
    same = Image.from_dataset(ds, copy=False)
    assert same is ds and isinstance(ds, Image)
    with imread(path, lazy_frame_retrieval=True) as lazy:
        with pytest.raises(TypeError, match="pickled"):
            pickle.dumps(lazy)
        assert copy.deepcopy(lazy).get_stored_frame(1).shape == (128, 128)


def test_pixel_array_follows_a_new_pixel_data_value():
    im = imread(testdata("CT_small.dcm"))
    first = im.pixel_array
    arr = first.copy()
    arr[0, 0] = 1234
    im.PixelData = arr.tobytes()
    assert im.pixel_array[0, 0] == 1234 and im.get_stored_frame(1)[0, 0] == 1234


def test_iter_frames_and_get_frames():
    im = imread(testdata("emri_small.dcm"))
    frames = list(im.iter_frames())
    assert len(frames) == 10
    stack = im.get_frames(workers=2)
    np.testing.assert_array_equal(np.stack(frames), stack)
    np.testing.assert_array_equal(im.get_frames([3, 1, 2]), stack[[2, 0, 1]])
    np.testing.assert_array_equal(im.get_stored_frames([3, 4, 9], workers=2), im.pixel_array[[2, 3, 8]])


def test_the_transform_chain_is_built_once_per_options(monkeypatch):
    calls = []
    original = TransformChain.from_dataset.__func__

    def counting(cls, ds, **kwargs):
        calls.append(kwargs.get("frame_index"))
        return original(cls, ds, **kwargs)

    monkeypatch.setattr(TransformChain, "from_dataset", classmethod(counting))
    im = imread(testdata("emri_small.dcm"))
    for k in range(1, 11):
        im.get_frame(k, apply_voi_transform=None)
    assert len(calls) == 1
    im.get_frame(1, dtype=np.float32)
    assert len(calls) == 2


def test_per_frame_transforms_use_one_chain_per_frame_group():
    im = imread(testdata("eCT_Supplemental.dcm"))  # Enhanced CT: rescale in the per-frame groups
    ref = hd.imread(str(testdata("eCT_Supplemental.dcm")))
    for k in (1, 2):
        np.testing.assert_array_equal(im.get_frame(k), ref.get_frame(k))
    np.testing.assert_array_equal(im.get_frames(), np.stack([ref.get_frame(1), ref.get_frame(2)]))


def test_a_ct_window_given_by_the_caller():
    path = testdata("CT_small.dcm")
    im, ref = imread(path), hd.imread(str(path))
    hd_window = hd.VOILUTTransformation(window_center=40, window_width=400)
    want = ref.get_frame(1, apply_voi_transform=True, voi_transform_selector=hd_window)
    np.testing.assert_array_equal(im.get_frame(1, apply_voi_transform=True, voi_transform_selector=hd_window), want)
    ours = dcmcore.VOILUTTransformation(window_center=40, window_width=400)
    np.testing.assert_array_equal(im.get_frame(1, apply_voi_transform=True, voi_transform_selector=ours), want)
    # highdicom's SIGMOID output is exactly 0 far below the window, where PS3.3 C.11.2.1.3.1's formula
    # (which never reaches the range's ends) gives ~1e-4: compare with dcmcore's own object instead
    sigmoid = hd.VOILUTTransformation(window_center=40, window_width=400, voi_lut_function=hd.VOILUTFunctionValues.SIGMOID)
    own = dcmcore.VOILUTTransformation(window_center=40, window_width=400, voi_lut_function="SIGMOID")
    np.testing.assert_array_equal(
        im.get_frame(1, apply_voi_transform=True, voi_transform_selector=sigmoid),
        im.get_frame(1, apply_voi_transform=True, voi_transform_selector=own),
    )


def test_highdicom_enums_and_luts_are_accepted():
    from dcmcore import transforms as T

    assert T.ModalityLUTTransformation(rescale_intercept=-1024, rescale_slope=1, rescale_type=hd.RescaleTypeValues.HU).RescaleType == "HU"
    assert T.VOILUTTransformation(window_center=1, window_width=2, voi_lut_function=hd.VOILUTFunctionValues.SIGMOID).VOILUTFunction == "SIGMOID"
    assert T.PresentationLUTTransformation(presentation_lut_shape=hd.PresentationLUTShapeValues.INVERSE).PresentationLUTShape == "INVERSE"
    assert T.ModalityLUT(hd.RescaleTypeValues.HU, 0, np.arange(16, dtype=np.uint16)).ModalityLUTType == "HU"
    data = np.arange(256, dtype=np.uint16)
    voi = T.VOILUTTransformation(voi_luts=[hd.VOILUT(0, data, "ramp")])
    assert isinstance(voi.VOILUTSequence[0], T.VOILUT)
    assert isinstance(T.ModalityLUTTransformation(modality_lut=hd.ModalityLUT(hd.RescaleTypeValues.HU, 0, data)).ModalityLUTSequence[0], T.ModalityLUT)
    assert isinstance(T.PresentationLUTTransformation(presentation_lut=hd.PresentationLUT(0, data)).PresentationLUTSequence[0], T.PresentationLUT)
    palette = T.PaletteColorLUTTransformation(*[hd.PaletteColorLUT(0, data, c) for c in ("red", "green", "blue")])
    assert palette.RedPaletteColorLookupTableDescriptor == [256, 0, 16]
    assert T.PaletteColorLUT(0, data.astype(np.uint8), hd.RGBColorChannels.G).GreenPaletteColorLookupTableDescriptor[0] == 256
    # a dcmcore table of another kind is still refused
    with pytest.raises(TypeError):
        T.VOILUTTransformation(voi_luts=[T.LUT(0, np.zeros(3, np.uint8))])


def test_metadata_queries_equal_highdicom():
    for name in ("eCT_Supplemental.dcm", "CT_small.dcm", "emri_small.dcm"):
        path = testdata(name)
        im, ref = imread(path), hd.imread(str(path))
        assert im.dimension_index_pointers == ref.dimension_index_pointers
        assert im.get_source_image_uids() == ref.get_source_image_uids()
        assert (im.coordinate_system and im.coordinate_system.value) == (ref.coordinate_system and ref.coordinate_system.value)
        if im.dimension_index_pointers:
            pointers = im.dimension_index_pointers
            assert im.are_dimension_indices_unique(pointers) == ref.are_dimension_indices_unique(pointers)


def test_copy_patient_study_and_specimen_information():
    src = pydicom.dcmread(testdata("CT_small.dcm"))
    src.ContainerIdentifier = "C-1"
    im = Image.from_dataset(pydicom.dcmread(testdata("emri_small.dcm")))
    im.copy_patient_and_study_information(src)
    assert im.PatientName == src.PatientName and im.StudyInstanceUID == src.StudyInstanceUID
    assert im.SeriesInstanceUID != src.SeriesInstanceUID  # a series attribute is not copied
    im.copy_specimen_information(src)
    assert im.ContainerIdentifier == "C-1"


def test_image_file_reader_lifecycle():
    from dcmcore.io import ImageFileReader

    path = testdata("emri_small.dcm")
    reader = ImageFileReader(path)
    with pytest.raises(OSError):
        reader.read_frame(0)
    reader.open()
    assert reader.number_of_frames == 10 and reader.filename == str(path)
    np.testing.assert_array_equal(reader.read_frame(9), dcmcore.pixel_array(path, index=9))
    reader.close()
    with ImageFileReader(testdata("SC_rgb_rle.dcm")) as rgb:
        with pytest.raises(ValueError, match="ICC"):
            rgb.read_frame(0)  # colour correction needs a profile, as in highdicom
        assert rgb.read_frame(0, correct_color=False).shape == (100, 100, 3)
        assert rgb.plugin_label is not None


def test_encode_frame_round_trips_and_equals_highdicom():
    rng = np.random.default_rng(0)
    mono = rng.integers(0, 4096, (32, 30), dtype=np.uint16)
    rgb = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
    for arr, pi, bits, planar in ((mono, "MONOCHROME2", 16, None), (rgb, "RGB", 8, 0)):
        for uid in (pydicom.uid.ExplicitVRLittleEndian, pydicom.uid.RLELossless):
            stored = 12 if bits == 16 else 8
            ours = dcmcore.frame.encode_frame(arr, uid, bits, stored, pi, 0, planar)
            if uid == pydicom.uid.ExplicitVRLittleEndian:
                import highdicom.frame

                assert ours == highdicom.frame.encode_frame(arr, uid, bits, stored, pi, 0, planar)
            back = dcmcore.frame.decode_frame(ours, uid, arr.shape[0], arr.shape[1], 1 if arr.ndim == 2 else 3, bits, stored, pi, 0, planar)
            np.testing.assert_array_equal(back, arr)
    bits = rng.integers(0, 2, (8, 9), dtype=np.uint8)
    packed = dcmcore.frame.encode_frame(bits, pydicom.uid.ExplicitVRLittleEndian, 1, 1, "MONOCHROME2")
    np.testing.assert_array_equal(dcmcore.frame.decode_frame(packed, pydicom.uid.ExplicitVRLittleEndian, 8, 9, 1, 1, 1, "MONOCHROME2"), bits)
    with pytest.raises(ValueError, match="signed"):
        dcmcore.frame.encode_frame(mono.astype(np.int16), pydicom.uid.ExplicitVRLittleEndian, 16, 12, "MONOCHROME2", 0)
    with pytest.raises(ValueError, match="planar"):
        dcmcore.frame.encode_frame(rgb, pydicom.uid.ExplicitVRLittleEndian, 8, 8, "RGB")


@pytest.mark.parametrize("uid, pi", [(pydicom.uid.JPEGBaseline8Bit, "YBR_FULL_422"), (pydicom.uid.JPEG2000Lossless, "YBR_RCT")])
def test_encode_frame_colour_as_highdicom(uid, pi):
    """RGB pixels in, stored as the YCbCr `pi` names: both decode (highdicom) to the same RGB as highdicom's frame."""
    import highdicom.frame
    from pydicom import examples

    from dcmcore import plugins

    if not any(i.label == "imagecodecs" and i.available for i in plugins.encoders(str(uid))):
        pytest.skip("no dcmcore-imagecodecs encoder here")
    rgb = examples.rgb_color.pixel_array
    args = (uid, 8, 8, pi, 0, 0)
    ours = dcmcore.frame.encode_frame(rgb, *args, encoding_plugin="imagecodecs")
    theirs = highdicom.frame.encode_frame(rgb, *args)
    decode = dict(transfer_syntax_uid=uid, rows=240, columns=320, samples_per_pixel=3, bits_allocated=8,
                  bits_stored=8, photometric_interpretation=pi, pixel_representation=0, planar_configuration=0)  # fmt: skip
    back, reference = highdicom.frame.decode_frame(ours, **decode), highdicom.frame.decode_frame(theirs, **decode)
    if uid == pydicom.uid.JPEG2000Lossless:
        np.testing.assert_array_equal(back, rgb)
    else:
        assert np.abs(back.astype(int) - rgb).mean() < 2 * max(1.0, np.abs(reference.astype(int) - rgb).mean())
    # the encoder would store YCbCr (JPEG Baseline converts RGB by default; use_mct asks for the RCT): refused
    converting = {} if uid == pydicom.uid.JPEGBaseline8Bit else {"use_mct": True}
    with pytest.raises(ValueError, match="asked for"):
        dcmcore.frame.encode_frame(rgb, uid, 8, 8, "RGB", 0, 0, encoding_plugin="imagecodecs", **converting)
