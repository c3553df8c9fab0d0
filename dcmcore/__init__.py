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
