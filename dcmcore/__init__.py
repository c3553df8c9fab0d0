"""dcmcore: a fast DICOM pixel-data engine.

pydicom parses and writes the data set; dcmcore turns its pixel data into
NumPy arrays (and back) in typed Cython kernels that release the GIL.
"""

from dcmcore import plugins, rle
from dcmcore.errors import (
    CorruptPixelDataError,
    DcmcoreError,
    InvalidPixelSpecError,
    MissingElementError,
    NoPluginAvailableError,
    PixelDataLengthError,
    PluginError,
    UnsupportedPixelDataError,
)
from dcmcore.pixels import iter_pixels, pixel_array
from dcmcore.spec import PixelSpec

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "PixelSpec",
    "pixel_array",
    "iter_pixels",
    "plugins",
    "rle",
    "DcmcoreError",
    "MissingElementError",
    "InvalidPixelSpecError",
    "PixelDataLengthError",
    "CorruptPixelDataError",
    "UnsupportedPixelDataError",
    "PluginError",
    "NoPluginAvailableError",
]

# -- overlays (issue 4) --
from dcmcore import overlays
from dcmcore.bits import pack_bits, unpack_bits
from dcmcore.overlays import overlay_array

__all__ += ["overlays", "overlay_array", "pack_bits", "unpack_bits"]
# -- end overlays --

# -- transforms (issue 5) --
from dcmcore import color, transforms
from dcmcore.color import convert_color_space
from dcmcore.transforms import (
    LUT,
    VOILUT,
    ModalityLUT,
    ModalityLUTTransformation,
    PaletteColorLUT,
    PaletteColorLUTTransformation,
    PresentationLUT,
    PresentationLUTTransformation,
    SegmentedPaletteColorLUT,
    TransformChain,
    VOILUTTransformation,
    apply_color_lut,
    apply_modality_lut,
    apply_presentation_lut,
    apply_voi_lut,
    apply_windowing,
)

__all__ += [
    "transforms",
    "color",
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
    "convert_color_space",
]
# -- end transforms --
