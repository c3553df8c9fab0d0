"""Color: YBR_FULL <-> RGB conversion, ICC profile color management, CIELab colors.

* :func:`convert_color_space` — pydicom's function and pydicom's values (PS3.3
  C.7.6.3.1.2 / ITU-T T.871 in float32), computed by the kernels of
  ``dcmcore._kernels.color``, which ``pixel_array`` uses too.
* :class:`ColorManager` — applies an image's ICC profile (PS3.3 C.11.15)
  through Pillow's ImageCms (littleCMS); Pillow is imported on first use.
* :class:`CIELabColor` — the CIELab colors of PS3.3 C.10.7.1.1 (three 16-bit
  values), with conversions to and from sRGB.
"""

from __future__ import annotations

import functools
import io
import threading
from typing import Sequence

import numpy as np

from dcmcore._kernels import color as _kernels
from dcmcore.errors import InvalidElementError

__all__ = ["convert_color_space", "ColorManager", "CIELabColor"]

_YBR = ("YBR_FULL", "YBR_FULL_422")


def convert_color_space(arr: np.ndarray, current: str, desired: str, per_frame: bool = False) -> np.ndarray:
    """Convert 8-bit color pixels between RGB and YBR_FULL.

    Parameters
    ----------
    arr : numpy.ndarray
        ``uint8`` pixels shaped ``(rows, columns, 3)`` or ``(frames, rows,
        columns, 3)``, interleaved.
    current, desired : str
        ``"RGB"``, ``"YBR_FULL"`` or ``"YBR_FULL_422"`` (the latter is treated as
        YBR_FULL: its chroma has been upsampled by decoding).
    per_frame : bool, optional
        If True, convert `arr` in place (as pydicom does with ``per_frame``)
        and return it.

    Returns
    -------
    numpy.ndarray
        The converted pixels, a new array unless `per_frame`; `arr` itself
        when `current` and `desired` are the same color space.

    Notes
    -----
    The values are pydicom's: T.871's coefficients rounded to float32, one
    fused multiply-add chain per output sample, + 0.5 (+ 128.5 for Cb and
    Cr), floor, clamp. They are bit-identical to pydicom's when NumPy's
    float32 matrix product fuses multiply-adds (OpenBLAS on any x86-64 CPU
    with FMA); a BLAS that does not fuse them gives pydicom values 1 apart
    for 42 of the 2**24 YBR_FULL and 859 of the 2**24 RGB triplets.
    ``dcmcore.pixel_array`` converts YBR_FULL and YBR_FULL_422 with the same
    kernels, so its RGB equals this function's.
    """
    arr = np.asarray(arr)
    if arr.dtype != np.uint8:
        raise ValueError(f"Invalid ndarray.dtype '{arr.dtype}' for color space conversion, must be 'uint8'")
    cur, want = str(current).upper(), str(desired).upper()
    known = ("RGB", *_YBR)
    if cur not in known or want not in known:
        raise NotImplementedError(f"Conversion from {current} to {desired} is not supported")
    if cur == want or (cur in _YBR and want in _YBR):
        return arr
    if arr.ndim not in (3, 4) or arr.shape[-1] != 3:
        raise ValueError(f"Color pixels must be shaped (rows, columns, 3) or (frames, rows, columns, 3), not {arr.shape}")
    if per_frame and arr.flags.c_contiguous and arr.flags.writeable:
        out = arr
    else:
        out = np.empty(arr.shape, np.uint8)
    src = np.ascontiguousarray(arr)
    npix = src.size // 3
    if npix:
        if cur in _YBR:
            _kernels.ybr_full_to_rgb(src.reshape(-1), out.reshape(-1), 1, npix, False)
        else:
            _kernels.rgb_to_ybr_full(src.reshape(-1), out.reshape(-1), npix)
    if per_frame and out is not arr:
        arr[...] = out
        return arr
    return out


# ---- ICC profiles -------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _icc_transform(profile: bytes):
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
    except (OSError, TypeError, ValueError) as exc:
        raise InvalidElementError(
            f"Could not read the ICC profile ((0028,2000) 'ICC Profile', {len(profile)} bytes): {exc}"
        ) from exc
    # Perceptual: the intent PS3.3 C.11.15.1.1 recommends profiles be made for
    # (and the one highdicom's transform ends up using)
    intent = ImageCms.Intent.PERCEPTUAL
    return ImageCms.buildTransform(
        inputProfile=source,
        outputProfile=ImageCms.createProfile("sRGB"),
        inMode="RGB",
        outMode="RGB",
        renderingIntent=intent,
    )


class ColorManager:
    """Color management of an image's pixels with its ICC profile.

    The profile is an input device profile (PS3.3 C.11.15.1.1); pixels are
    transformed to sRGB with the perceptual rendering intent, by Pillow's
    ImageCms (littleCMS). Transforms are built once per profile and cached.

    Parameters
    ----------
    icc_profile : bytes
        The (0028,2000) *ICC Profile* value.

    Raises
    ------
    ValueError
        If the profile cannot be read or is unsuitable.
    """

    def __init__(self, icc_profile: bytes):
        self._profile = bytes(icc_profile)
        self._transform = _icc_transform(self._profile)
        self._lock = threading.Lock()

    def transform_frame(self, array: np.ndarray) -> np.ndarray:
        """Color-correct one frame of 8-bit RGB pixels shaped ``(rows, columns, 3)``.

        Returns
        -------
        numpy.ndarray
            A new ``uint8`` array of the same shape.

        Raises
        ------
        ValueError
            If `array` is not shaped ``(rows, columns, 3)`` or not ``uint8``.
        """
        from PIL import Image, ImageCms

        array = np.asarray(array)
        if array.ndim != 3 or array.shape[-1] != 3:
            raise ValueError(f"A color frame must be shaped (rows, columns, 3), not {array.shape}")
        if array.dtype != np.uint8:
            raise ValueError(f"The ICC profile can only be applied to uint8 pixels, not {array.dtype}")
        image = Image.fromarray(np.ascontiguousarray(array))
        with self._lock:  # a littleCMS transform is not documented as thread-safe
            ImageCms.applyTransform(image, self._transform, inPlace=True)
        return np.asarray(image).copy()


# ---- CIELab -------------------------------------------------------------------------

# sRGB (IEC 61966-2-1) primaries and D65 white, the matrices as the standard publishes them
_RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_XYZ_TO_RGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])
_WHITE = (95.047, 100.0, 108.883)
_EPSILON = 216.0 / 24389.0  # CIE: (6/29)**3
_KAPPA = 24389.0 / 27.0  # CIE: (29/3)**3


def _srgb_to_linear(c: float) -> float:
    c = c / 255.0
    return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92


def _linear_to_srgb(c: float) -> float:
    return (1.055 * c ** (1 / 2.4) - 0.055) * 255.0 if c > 0.0031308 else 12.92 * c * 255.0


def _lab_f(t: float) -> float:
    return t ** (1.0 / 3.0) if t > _EPSILON else (_KAPPA * t + 16.0) / 116.0


def _lab_f_inv(f: float) -> float:
    f3 = f**3
    return f3 if f3 > _EPSILON else (116.0 * f - 16.0) / _KAPPA


class CIELabColor:
    """A color in CIELab, as DICOM encodes it (PS3.3 C.10.7.1.1).

    DICOM stores L* scaled from 0 .. 100 to 0 .. 0xFFFF and a*, b* shifted
    from -128 .. 127 to 0 .. 255 and scaled to 0 .. 0xFFFF, each rounded to
    the nearest integer (the ICC profile connection space encoding).
    Conversions to and from RGB use sRGB (IEC 61966-2-1) with the D65 white
    point.

    Parameters
    ----------
    l_star : float
        Lightness, 0.0 (black) to 100.0 (white).
    a_star : float
        Red-green, -128.0 to 127.0.
    b_star : float
        Blue-yellow, -128.0 to 127.0.
    """

    __slots__ = ("_value",)

    def __init__(self, l_star: float, a_star: float, b_star: float):
        if not 0.0 <= l_star <= 100.0:
            raise ValueError(f"'l_star' must lie between 0.0 (black) and 100.0 (white), not {l_star}")
        if not -128.0 <= a_star <= 127.0:
            raise ValueError(f"'a_star' must lie between -128.0 (red) and 127.0 (green), not {a_star}")
        if not -128.0 <= b_star <= 127.0:
            raise ValueError(f"'b_star' must lie between -128.0 (blue) and 127.0 (yellow), not {b_star}")
        self._value = (
            int(round(l_star * 0xFFFF / 100.0)),
            int(round((a_star + 128.0) * 0xFFFF / 255.0)),
            int(round((b_star + 128.0) * 0xFFFF / 255.0)),
        )

    def __repr__(self) -> str:
        return f"CIELabColor({self.l_star:.4f}, {self.a_star:.4f}, {self.b_star:.4f})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CIELabColor) and self._value == other._value

    def __hash__(self) -> int:
        return hash(self._value)

    @property
    def value(self) -> tuple[int, int, int]:
        """The three 16-bit unsigned integers DICOM stores (L*, a*, b*)."""
        return self._value

    @property
    def l_star(self) -> float:
        """L*, 0.0 to 100.0."""
        return self._value[0] * (100.0 / 0xFFFF)

    @property
    def a_star(self) -> float:
        """a*, -128.0 to 127.0."""
        return self._value[1] * (255.0 / 0xFFFF) - 128.0

    @property
    def b_star(self) -> float:
        """b*, -128.0 to 127.0."""
        return self._value[2] * (255.0 / 0xFFFF) - 128.0

    @property
    def lab(self) -> tuple[float, float, float]:
        """``(L*, a*, b*)``."""
        return (self.l_star, self.a_star, self.b_star)

    @classmethod
    def from_dicom_value(cls, value: Sequence[int]) -> "CIELabColor":
        """The color of three 16-bit DICOM values (e.g. (0070,0401) *Graphic Layer Recommended Display CIELab Value*)."""
        values = tuple(value)
        if len(values) != 3:
            raise ValueError(f"A DICOM CIELab value has 3 components, not {len(values)}")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"DICOM CIELab components must be integers, not {v!r}")
            if not 0 <= v <= 0xFFFF:
                raise ValueError(f"DICOM CIELab components must lie in 0 .. 0xFFFF, not {v}")
        color = cls.__new__(cls)
        color._value = tuple(int(v) for v in values)  # type: ignore[assignment]
        return color

    @classmethod
    def from_rgb(cls, r: float, g: float, b: float) -> "CIELabColor":
        """The color of an sRGB triplet with components 0 to 255."""
        for c in (r, g, b):
            if not 0 <= c <= 255:
                raise ValueError(f"RGB components must lie between 0 and 255, not {c}")
        linear = np.array([_srgb_to_linear(r), _srgb_to_linear(g), _srgb_to_linear(b)]) * 100.0
        x, y, z = _RGB_TO_XYZ @ linear
        fx, fy, fz = (_lab_f(v / w) for v, w in zip((x, y, z), _WHITE))
        l_star = min(max(116.0 * fy - 16.0, 0.0), 100.0)
        a_star = min(max(500.0 * (fx - fy), -128.0), 127.0)
        b_star = min(max(200.0 * (fy - fz), -128.0), 127.0)
        return cls(l_star, a_star, b_star)

    @classmethod
    def from_string(cls, color: str) -> "CIELabColor":
        """The color of a CSS color name or code, as Pillow's ``ImageColor.getrgb`` reads it."""
        from PIL import ImageColor

        rgb = ImageColor.getrgb(color)
        return cls.from_rgb(*rgb[:3])

    def to_rgb(self, clip: bool = False) -> tuple[int, int, int]:
        """The sRGB triplet (0 to 255) of this color.

        Parameters
        ----------
        clip : bool, optional
            If the color lies outside the sRGB gamut, clip it to the nearest
            representable values instead of raising ``ValueError``.
        """
        fy = (self.l_star + 16.0) / 116.0
        fx = fy + self.a_star / 500.0
        fz = fy - self.b_star / 200.0
        xyz = np.array([_lab_f_inv(f) * w for f, w in zip((fx, fy, fz), _WHITE)]) / 100.0
        linear = _XYZ_TO_RGB @ xyz
        out = []
        for c in linear:
            v = _linear_to_srgb(float(c))
            rounded = round(v)
            if 0 <= rounded <= 255:
                out.append(rounded)
            elif clip:
                out.append(min(max(rounded, 0), 255))
            else:
                raise ValueError("The color is outside the sRGB gamut; use clip=True to clip it to the nearest color")
        return out[0], out[1], out[2]
