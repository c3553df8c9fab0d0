"""Pixel transforms (DESIGN.md layer 5): modality, VOI, presentation, palette color,
real world value maps and ICC color, composed into one pass.

* :class:`TransformChain` — every transform of a data set, with highdicom
  ``Image.get_frame``'s options, composed into one table gather (integer
  stored values up to 16 bits) or one fused arithmetic pass.
* LUT classes (:class:`LUT`, :class:`ModalityLUT`, :class:`VOILUT`,
  :class:`PresentationLUT`, :class:`PaletteColorLUT`,
  :class:`SegmentedPaletteColorLUT`) and the transformation steps
  (:class:`ModalityLUTTransformation`, :class:`VOILUTTransformation`,
  :class:`PresentationLUTTransformation`,
  :class:`PaletteColorLUTTransformation`), as pydicom data sets.
* pydicom's functions: :func:`apply_modality_lut`, :func:`apply_voi_lut`,
  :func:`apply_windowing`, :func:`apply_presentation_lut`,
  :func:`apply_color_lut`.
"""

from dcmcore.transforms.chain import TransformChain, clear_caches
from dcmcore.transforms.enums import (
    PresentationLUTShapeValues,
    RescaleTypeValues,
    RGBColorChannels,
    VOILUTFunctionValues,
)
from dcmcore.transforms.errors import InvalidTransformError, SelectorError, TransformNotFoundError
from dcmcore.transforms.functions import (
    apply_color_lut,
    apply_modality_lut,
    apply_presentation_lut,
    apply_rescale,
    apply_voi,
    apply_voi_lut,
    apply_windowing,
)
from dcmcore.transforms.luts import (
    LUT,
    VOILUT,
    ModalityLUT,
    PaletteColorLUT,
    PresentationLUT,
    SegmentedPaletteColorLUT,
)
from dcmcore.transforms.realworld import RealWorldValueMapping, select_real_world_value_map
from dcmcore.transforms.transformations import (
    ModalityLUTTransformation,
    PaletteColorLUTTransformation,
    PresentationLUTTransformation,
    VOILUTTransformation,
)

__all__ = [
    "TransformChain",
    "clear_caches",
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
    "RealWorldValueMapping",
    "select_real_world_value_map",
    "apply_modality_lut",
    "apply_rescale",
    "apply_voi_lut",
    "apply_voi",
    "apply_windowing",
    "apply_presentation_lut",
    "apply_color_lut",
    "VOILUTFunctionValues",
    "PresentationLUTShapeValues",
    "RescaleTypeValues",
    "RGBColorChannels",
    "TransformNotFoundError",
    "SelectorError",
    "InvalidTransformError",
]
