"""dcmcore-rle: RLE Lossless for dcmcore through pylibjpeg-rle.

Installing this distribution registers :data:`DECODER` and :data:`ENCODER`
for RLE Lossless (1.2.840.10008.1.2.5) in the ``dcmcore.decoders`` and
``dcmcore.encoders`` entry point groups, under the label ``"pylibjpeg-rle"``
(priority 20: after dcmcore's own decoder, before GDCM)::

    >>> import dcmcore
    >>> arr = dcmcore.pixel_array("rle.dcm", decoding_plugin="pylibjpeg-rle")  # doctest: +SKIP

Importing this package does not import pylibjpeg-rle.
"""

from dcmcore_rle._plugin import DECODER, ENCODER, RLE_LOSSLESS

__version__ = "0.1.0"

__all__ = ["DECODER", "ENCODER", "RLE_LOSSLESS", "__version__"]
