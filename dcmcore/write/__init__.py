"""The write path: pixel data from arrays, compression and decompression of a data set, in place.

- :func:`set_pixel_data`: an array becomes the data set's pixel data and Image Pixel elements;
- :func:`compress`: natively encoded pixel data (or an array) encoded through the
  encoder plugins, encapsulated with a Basic or Extended Offset Table;
- :func:`decompress`: compressed pixel data decoded to Explicit VR Little Endian.

Each changes the data set only once everything has been computed, and puts
every element back if applying the changes fails: a data set is never left
half-written.
"""

from dcmcore.write.compress import compress
from dcmcore.write.decompress import decompress
from dcmcore.write.set_pixel_data import set_pixel_data

__all__ = ["compress", "decompress", "set_pixel_data"]
