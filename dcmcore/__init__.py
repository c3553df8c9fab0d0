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
# -- end transforms --
