"""waveform_array / waveform_times against pydicom's waveform_array, on its ECG and on generated groups."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian

import dcmcore
from dcmcore._kernels import waveform as kernel
from dcmcore.errors import InvalidElementError, MissingElementError
from dcmcore.waveforms import number_of_groups
from tests._helpers import read

DTYPES = {"SB": "i1", "UB": "u1", "MB": "u1", "AB": "u1", "SS": "i2", "US": "u2", "SL": "i4", "UL": "u4", "SV": "i8", "UV": "u8"}


def _make(interpretation, samples=50, channels=3, *, seed=0, big=False, pad=None, definitions=True):
    dtype = np.dtype(DTYPES[interpretation])
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    lo, hi = max(info.min, -(2**40)), min(info.max, 2**40)
    stored = rng.integers(lo, hi, (samples, channels), dtype=dtype, endpoint=True)
    if pad is not None:
        stored[::7, 0] = pad
    item = Dataset()
    item.NumberOfWaveformChannels = channels
    item.NumberOfWaveformSamples = samples
    item.SamplingFrequency = "500"
    item.MultiplexGroupTimeOffset = "250"
    item.WaveformBitsAllocated = dtype.itemsize * 8
    item.WaveformSampleInterpretation = interpretation
    order = ">" if big else "<"
    item.add_new(0x54001010, "OB" if dtype.itemsize == 1 else "OW", stored.astype(dtype.newbyteorder(order)).tobytes())
    if pad is not None:
        item.add_new(0x5400100A, "OB" if dtype.itemsize == 1 else "OW", np.array([pad], dtype.newbyteorder(order)).tobytes())
    if definitions:
        chans = []
        for c in range(channels):
            ch = Dataset()
            if c != 1:  # channel 2 without sensitivity: 1
                ch.ChannelSensitivity = f"{0.5 + c:.3f}"
                ch.ChannelSensitivityCorrectionFactor = "1.25" if c else "1"
            ch.ChannelBaseline = f"{-3.5 * c}"
            chans.append(ch)
        item.ChannelDefinitionSequence = Sequence(chans)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian if big else ExplicitVRLittleEndian
    ds.WaveformSequence = Sequence([item])
    return ds, stored


def _pydicom(ds, index=0, raw=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if raw:
            return pydicom.waveforms.numpy_handler.multiplex_array(ds, index, as_raw=True)
        return ds.waveform_array(index)


@pytest.mark.parametrize("index", [0, 1, -1])
def test_pydicom_ecg_equal_to_pydicom(index):
    ds = read("waveform_ecg.dcm")
    assert number_of_groups(ds) == 2
    assert np.array_equal(dcmcore.waveform_array(ds, index), _pydicom(ds, index % 2))
    raw = dcmcore.waveform_array(ds, index, raw=True)
    assert raw.dtype == np.int16 and np.array_equal(raw, _pydicom(ds, index % 2, raw=True))


@pytest.mark.parametrize("interpretation", ["SB", "UB", "SS", "US", "SL", "UL", "SV", "UV"])
def test_generated_linear_groups_equal_to_pydicom(interpretation):
    ds, stored = _make(interpretation)
    ours = dcmcore.waveform_array(ds)
    assert ours.dtype == np.float64 and ours.shape == stored.shape
    assert np.array_equal(ours, _pydicom(ds))
    assert np.array_equal(dcmcore.waveform_array(ds, raw=True), stored)


@pytest.mark.parametrize("interpretation", ["SS", "UL", "SV"])
def test_big_endian_waveform_data(interpretation):
    little, stored = _make(interpretation, seed=3)
    big, _ = _make(interpretation, seed=3, big=True)
    assert np.array_equal(dcmcore.waveform_array(big), dcmcore.waveform_array(little))
    assert np.array_equal(dcmcore.waveform_array(big, raw=True), stored)


def _g711(interpretation, stored):
    """The G.711 linear values, from the standard library's audioop (16-bit, scaled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    if interpretation == "MB":
        return np.frombuffer(audioop.ulaw2lin(stored.tobytes(), 2), "<i2").reshape(stored.shape) // 4
    return np.frombuffer(audioop.alaw2lin(stored.tobytes(), 2), "<i2").reshape(stored.shape) // 8


@pytest.mark.parametrize("interpretation", ["MB", "AB"])
def test_mulaw_alaw_expanded_as_g711(interpretation):
    ds, stored = _make(interpretation, samples=300)
    linear = _g711(interpretation, stored).astype(np.float64)
    # the same scaling as pydicom applies to stored values, applied to the linear values
    ds_lin, _ = _make("SS", samples=300)
    ds_lin.WaveformSequence[0].WaveformData = linear.astype("<i2").tobytes()
    assert np.array_equal(dcmcore.waveform_array(ds), _pydicom(ds_lin))
    all_codes = np.arange(256, dtype=np.uint8).reshape(256, 1)
    one, _ = _make(interpretation, samples=256, channels=1, definitions=False)
    one.WaveformSequence[0].WaveformData = all_codes.tobytes()
    values = dcmcore.waveform_array(one)[:, 0]
    assert np.array_equal(values, _g711(interpretation, all_codes)[:, 0])
    assert values.max() == (8031 if interpretation == "MB" else 4032)


@pytest.mark.parametrize("interpretation", ["UB", "SS", "US", "SL", "MB"])
def test_padding_value_is_masked(interpretation):
    pad = {"UB": 255, "SS": -32768, "US": 65535, "SL": -(2**31), "MB": 0x7F}[interpretation]
    ds, stored = _make(interpretation, pad=pad)
    ours = dcmcore.waveform_array(ds)
    masked = stored == pad
    assert masked[::7, 0].all() and np.isnan(ours[masked]).all() and not np.isnan(ours[~masked]).any()
    if interpretation != "MB":
        assert np.array_equal(ours[~masked], _pydicom(ds)[~masked])
    assert not np.isnan(dcmcore.waveform_array(ds, mask_padding=False)).any()


def test_without_channel_definitions_values_are_stored_values():
    ds, stored = _make("SS", definitions=False)
    assert np.array_equal(dcmcore.waveform_array(ds), stored.astype(float))


def test_time_axis():
    ds, stored = _make("SS", samples=20)
    times = dcmcore.waveform_times(ds)
    assert times.shape == (20,) and times[0] == 0.25 and np.allclose(np.diff(times), 1 / 500)
    ecg = read("waveform_ecg.dcm")
    assert len(dcmcore.waveform_times(ecg, 1)) == dcmcore.waveform_array(ecg, 1).shape[0]


def test_errors_name_the_element():
    ds, _ = _make("SS")
    with pytest.raises(IndexError, match="1 item"):
        dcmcore.waveform_array(ds, 1)
    with pytest.raises(MissingElementError, match="Waveform Sequence"):
        dcmcore.waveform_array(Dataset())
    item = ds.WaveformSequence[0]
    item.WaveformData = item.WaveformData[:-2]
    with pytest.raises(InvalidElementError, match="Waveform Data"):
        dcmcore.waveform_array(ds)
    ds, _ = _make("SS")
    ds.WaveformSequence[0].WaveformBitsAllocated = 8
    with pytest.raises(InvalidElementError, match="Bits Allocated"):
        dcmcore.waveform_array(ds)
    ds.WaveformSequence[0].WaveformSampleInterpretation = "XX"
    with pytest.raises(InvalidElementError, match="Interpretation"):
        dcmcore.waveform_array(ds)
    ds, _ = _make("SS")
    del ds.WaveformSequence[0].NumberOfWaveformChannels
    with pytest.raises(MissingElementError, match="Channels"):
        dcmcore.waveform_array(ds)
    ds, _ = _make("SS")
    del ds.WaveformSequence[0].SamplingFrequency
    with pytest.raises(MissingElementError, match="Sampling Frequency"):
        dcmcore.waveform_times(ds)


def test_kernel_checks_buffers_and_returns_statuses():
    ones = np.ones(3)
    out = np.empty(6)
    with pytest.raises(ValueError, match="'src' holds 11 bytes"):
        kernel.unpack(bytes(11), 2, 3, 2, kernel.KIND_SIGNED, False, ones, ones, ones, False, 0, out)
    with pytest.raises(ValueError, match="'out'"):
        kernel.unpack(bytes(12), 2, 3, 2, kernel.KIND_SIGNED, False, ones, ones, ones, False, 0, out[:5])
    with pytest.raises(ValueError, match="'scale'"):
        kernel.unpack(bytes(12), 2, 3, 2, kernel.KIND_SIGNED, False, ones[:2], ones, ones, False, 0, out)
    from dcmcore._kernels.status import ST_BAD_GEOMETRY, ST_OK

    assert kernel.unpack(bytes(12), 2, 3, 2, kernel.KIND_MULAW, False, ones, ones, ones, False, 0, out) == ST_BAD_GEOMETRY
    assert kernel.unpack(bytes(18), 2, 3, 3, kernel.KIND_SIGNED, False, ones, ones, ones, False, 0, out) == ST_BAD_GEOMETRY
    assert kernel.unpack(bytes(12), 2, 3, 2, kernel.KIND_SIGNED, False, ones, ones, ones, False, 0, out) == ST_OK
