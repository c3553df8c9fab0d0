"""dcmcore-gdcm: JPEG, JPEG-LS, JPEG 2000 and RLE Lossless for dcmcore through GDCM.

Installing this distribution registers :data:`DECODER` for JPEG Baseline,
Extended, Lossless and Lossless SV1, JPEG-LS Lossless and Near-Lossless,
JPEG 2000 Lossless and lossy and RLE Lossless, and :data:`ENCODER` for RLE
Lossless, in the ``dcmcore.decoders`` and ``dcmcore.encoders`` entry point
groups, under the label ``"gdcm"`` (priority 30)::

    >>> import dcmcore
    >>> arr = dcmcore.pixel_array("jpeg2000.dcm", decoding_plugin="gdcm")  # doctest: +SKIP

Importing this package does not import GDCM (python-gdcm).
"""

from dcmcore_gdcm._plugin import DECODER, DECODER_UIDS, ENCODER, RLE_LOSSLESS

__version__ = "0.1.0"

__all__ = ["DECODER", "ENCODER", "DECODER_UIDS", "RLE_LOSSLESS", "__version__"]
