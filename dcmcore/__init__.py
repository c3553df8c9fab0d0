"""dcmcore: a fast DICOM pixel-data engine.

pydicom parses and writes the data set; dcmcore turns its pixel data into
NumPy arrays (and back) in typed Cython kernels that release the GIL.
"""

from dcmcore.errors import (
    CorruptPixelDataError,
    DcmcoreError,
    InvalidPixelSpecError,
    MissingElementError,
    PixelDataLengthError,
    UnsupportedPixelDataError,
)
from dcmcore.pixels import iter_pixels, pixel_array
from dcmcore.spec import PixelSpec

# -- overlays (issue 4) --
from dcmcore import overlays
from dcmcore.bits import pack_bits, unpack_bits
from dcmcore.overlays import overlay_array

# `__all__` is assigned below this block, so it cannot be extended here yet;
# the names to add are "overlays", "overlay_array", "pack_bits", "unpack_bits".
# -- end overlays --

# -- transforms (issue 5) --
# -- end transforms --

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "PixelSpec",
    "pixel_array",
    "iter_pixels",
    "DcmcoreError",
    "MissingElementError",
    "InvalidPixelSpecError",
    "PixelDataLengthError",
    "CorruptPixelDataError",
    "UnsupportedPixelDataError",
]
