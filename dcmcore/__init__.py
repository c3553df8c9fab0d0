"""dcmcore: a fast DICOM pixel-data engine.

pydicom parses and writes the data set; dcmcore turns its pixel data into
NumPy arrays (and back) in typed Cython kernels that release the GIL.

The public API, by subject:

- pixel data: :func:`pixel_array`, :func:`iter_pixels`, :class:`PixelSpec`;
- images: :func:`imread`, :class:`Image` (:mod:`dcmcore.image`), :mod:`dcmcore.io`, :mod:`dcmcore.frame`;
- bits and overlays: :func:`pack_bits`, :func:`unpack_bits`, :func:`overlay_array`
  (and :mod:`dcmcore.overlays`);
- colour: :func:`convert_color_space` (:mod:`dcmcore.color`);
- the pixel transform chain: :class:`TransformChain`, the LUT classes and the
  ``apply_*`` functions (:mod:`dcmcore.transforms`);
- codecs: :mod:`dcmcore.plugins` (the plugin contract and registry), :mod:`dcmcore.rle`;
- errors: :class:`DcmcoreError` and its subclasses (:mod:`dcmcore.errors`);
- writing: :func:`set_pixel_data`, :func:`compress`, :func:`decompress` (:mod:`dcmcore.write`);
- waveforms: :func:`waveform_array`, :func:`waveform_times` (:mod:`dcmcore.waveforms`);
- pydicom integration: :func:`install_pydicom_plugins`, :func:`uninstall_pydicom_plugins`
  (:mod:`dcmcore.pydicom_plugin`);
- volumes and geometry: :class:`Volume`, :class:`VolumeGeometry`,
  :class:`VolumeToVolumeTransformer`, :func:`get_volume_from_series`
  (:mod:`dcmcore.volume`), the 2-D transformers and helpers (:mod:`dcmcore.spatial`);
- settings (memory ceiling, page mapping, read sizes): :mod:`dcmcore.config`.
"""

from dcmcore import color, config, frame, image, io, overlays, plugins, rle, spatial, transforms, volume
from dcmcore.bits import pack_bits, unpack_bits
from dcmcore.color import convert_color_space
from dcmcore.errors import (
    ArrayTooLargeError,
    CorruptPixelDataError,
    DcmcoreError,
    ElementOrderError,
    FrameIndexError,
    InvalidElementError,
    InvalidPixelSpecError,
    MissingElementError,
    NoPluginAvailableError,
    NotDicomFileError,
    PixelDataLengthError,
    PluginError,
    TruncatedFileError,
    UnknownVRError,
    UnsupportedPixelDataError,
)
from dcmcore.image import Image, imread
from dcmcore.overlays import overlay_array
from dcmcore.pixels import iter_pixels, pixel_array
from dcmcore.spec import PixelSpec
from dcmcore.write import compress, decompress, set_pixel_data
from dcmcore.waveforms import waveform_array, waveform_times
from dcmcore.pydicom_plugin import install_pydicom_plugins, uninstall_pydicom_plugins
from dcmcore.transforms import (
    LUT,
    ModalityLUT,
    ModalityLUTTransformation,
    PaletteColorLUT,
    PaletteColorLUTTransformation,
    PresentationLUT,
    PresentationLUTTransformation,
    SegmentedPaletteColorLUT,
    TransformChain,
    VOILUT,
    VOILUTTransformation,
    apply_color_lut,
    apply_modality_lut,
    apply_presentation_lut,
    apply_voi_lut,
    apply_windowing,
)
from dcmcore.volume import Volume, VolumeGeometry, VolumeToVolumeTransformer, get_volume_from_series

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # pixel data
    "PixelSpec",
    "pixel_array",
    "iter_pixels",
    # images
    "image",
    "Image",
    "imread",
    "io",
    "frame",
    # bits and overlays
    "overlays",
    "overlay_array",
    "pack_bits",
    "unpack_bits",
    # colour
    "color",
    "convert_color_space",
    # transforms
    "transforms",
    "TransformChain",
    "LUT",
    "ModalityLUT",
    "VOILUT",
    "PresentationLUT",
    "PaletteColorLUT",
    "SegmentedPaletteColorLUT",
    "ModalityLUTTransformation",
    "VOILUTTransformation",
    "PresentationLUTTransformation",
    "PaletteColorLUTTransformation",
    "apply_modality_lut",
    "apply_voi_lut",
    "apply_windowing",
    "apply_presentation_lut",
    "apply_color_lut",
    # writing
    "set_pixel_data",
    "compress",
    "decompress",
    # waveforms
    "waveform_array",
    "waveform_times",
    # pydicom integration
    "install_pydicom_plugins",
    "uninstall_pydicom_plugins",
    # codecs
    "plugins",
    "rle",
    # errors
    "DcmcoreError",
    "NotDicomFileError",
    "MissingElementError",
    "InvalidElementError",
    "UnknownVRError",
    "ElementOrderError",
    "InvalidPixelSpecError",
    "FrameIndexError",
    "PixelDataLengthError",
    "TruncatedFileError",
    "CorruptPixelDataError",
    "UnsupportedPixelDataError",
    "PluginError",
    "NoPluginAvailableError",
    "ArrayTooLargeError",
    # volumes and geometry
    "volume",
    "spatial",
    "Volume",
    "VolumeGeometry",
    "VolumeToVolumeTransformer",
    "get_volume_from_series",
    # settings
    "config",
]
