"""``ImageFileReader``: highdicom's frame-by-frame reader of one DICOM file, on a lazy :class:`Image`.

Opening reads the data set up to Pixel Data and builds the frame index
once; :meth:`ImageFileReader.read_frame` reads and decodes only one frame.
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from dcmcore.image.image import Image
from dcmcore.transforms import TransformChain

__all__ = ["ImageFileReader"]


class ImageFileReader:
    """Read frames of one image file lazily.

    Parameters
    ----------
    filename : str, os.PathLike or binary file object
        The DICOM file. A file object stays the caller's to close.
    decoding_plugin : str or sequence of str, optional
        (a dcmcore extension) the plugin, or order of plugins, to decode with.

    Use it as a context manager, or call :meth:`open` and :meth:`close`::

        with ImageFileReader(path) as reader:
            first = reader.read_frame(0)
    """

    def __init__(self, filename: str | os.PathLike[str] | BinaryIO, *, decoding_plugin: Any = None) -> None:
        self._filename = filename
        self._plugin = decoding_plugin
        self._image: Image | None = None
        self._depth = 0
        self._icc: TransformChain | None = None
        self._color = False

    def __enter__(self) -> ImageFileReader:
        if self._depth == 0 and self._image is None:
            self.open()
        self._depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        self._depth -= 1
        if self._depth < 1:
            self.close()

    def open(self) -> None:
        """Open the file, read its data set up to Pixel Data and index its frames.

        Raises
        ------
        FileNotFoundError
            The file does not exist.
        ValueError
            The file is not DICOM, or its data set is not an image.
        """
        if self._image is None:
            self._image = Image.from_file(self._filename, lazy_frame_retrieval=True, decoding_plugin=self._plugin)
            self._color = self._image.get("SamplesPerPixel", 1) > 1

    def close(self) -> None:
        """Close the file (it can be opened again)."""
        if self._image is not None:
            self._image.close()
            self._image = None
            self._icc = None

    def _opened(self) -> Image:
        if self._image is None:
            raise OSError(f"The file {self.filename} is not open: call open() or use the reader in a with block")
        return self._image

    @property
    def filename(self) -> str:
        """The path of the file (the file object's name for a file object)."""
        name = self._filename
        return os.fspath(name) if isinstance(name, (str, os.PathLike)) else str(getattr(name, "name", name))

    @property
    def metadata(self) -> Dataset:
        """The data set without its pixel data (an :class:`~dcmcore.image.Image`)."""
        return self._opened()

    @property
    def number_of_frames(self) -> int:
        return self._opened().number_of_frames

    @property
    def transfer_syntax_uid(self) -> UID:
        return self._opened().transfer_syntax_uid

    @property
    def plugin_label(self) -> str | None:
        """The label of the plugin that decoded the last frame read."""
        return None if self._image is None else self._image.plugin_label

    def read_frame_raw(self, index: int) -> bytes:
        """The encoded bytes of frame `index` (0-based)."""
        return self._opened().get_raw_frame(index, as_index=True)

    def read_frame(self, index: int, correct_color: bool = True) -> np.ndarray:
        """Frame `index` (0-based), decoded: ``(rows, columns)`` or ``(rows, columns, samples)``.

        With `correct_color`, colour frames are corrected with the image's ICC
        profile, which must then be present (ValueError otherwise).
        """
        image = self._opened()
        frame = image.get_stored_frame(index, as_index=True)
        if correct_color and self._color:
            if self._icc is None:
                try:
                    self._icc = TransformChain.from_dataset(
                        image, dtype=np.uint8, apply_modality_transform=False, apply_voi_transform=False,
                        apply_presentation_lut=False, apply_palette_color_lut=False, apply_icc_profile=True,
                    )
                except (KeyError, ValueError) as exc:
                    raise ValueError(
                        f"Cannot correct the colours of frame {index}: the image has no usable ICC profile ({exc}); "
                        "read it with correct_color=False"
                    ) from None
            return self._icc(frame)
        return frame

