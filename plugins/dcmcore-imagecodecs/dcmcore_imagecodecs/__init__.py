"""dcmcore-imagecodecs: JPEG, JPEG-LS, JPEG 2000, HTJ2K and JPEG XL for dcmcore through imagecodecs.

Installing this distribution registers :data:`DECODER` for JPEG Baseline,
Extended, Lossless and Lossless SV1, JPEG-LS Lossless and Near-Lossless,
JPEG 2000 Lossless and lossy, HTJ2K Lossless, Lossless RPCL and lossy, and
JPEG XL Lossless, JPEG Recompression and lossy, in the ``dcmcore.decoders``
entry point group under the label ``"imagecodecs"`` (priority 20, before
GDCM), and :data:`ENCODER` for JPEG-LS, JPEG 2000, HTJ2K Lossless, JPEG XL
Lossless, JPEG Lossless SV1 and JPEG Baseline in ``dcmcore.encoders``::

    >>> import dcmcore
    >>> arr = dcmcore.pixel_array("jpeg2000.dcm", decoding_plugin="imagecodecs")  # doctest: +SKIP

Importing this package does not import imagecodecs.
"""

from dcmcore_imagecodecs._encode import ENCODER_UIDS
from dcmcore_imagecodecs._plugin import DECODER, ENCODER, MIN_VERSION, REQUIREMENT
from dcmcore_imagecodecs._rules import DECODER_UIDS

__version__ = "0.1.0"

__all__ = ["DECODER", "ENCODER", "DECODER_UIDS", "ENCODER_UIDS", "MIN_VERSION", "REQUIREMENT", "__version__"]
