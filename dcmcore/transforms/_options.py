"""The options of :meth:`TransformChain.from_dataset` (highdicom ``Image.get_frame``'s), checked once.

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from dcmcore.transforms import _engine as E

__all__ = ["Options", "option_flag"]


def option_flag(value: Any, name: str) -> tuple[bool, bool]:
    """(use, require) for a True / False / None option."""
    if value is None:
        return True, False
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"'{name}' must be True, False or None, not {value!r}")
    return bool(value), bool(value)


@dataclass(frozen=True)
class Options:
    """The options of a transform chain, checked: what to use and what to require."""
    dtype: np.dtype
    use_rwvm: bool
    require_rwvm: bool
    rwvm_selector: Any
    use_modality: bool
    require_modality: bool
    use_voi: bool
    require_voi: bool
    voi_selector: Any
    voi_range: tuple[float, float]
    presentation: bool
    use_palette: bool
    require_palette: bool
    use_icc: bool
    require_icc: bool

    @classmethod
    def make(
        cls,
        dtype: Any,
        apply_real_world_transform: bool | None,
        real_world_value_map_selector: Any,
        apply_modality_transform: bool | None,
        apply_voi_transform: bool | None,
        voi_transform_selector: Any,
        voi_output_range: tuple[float, float],
        apply_presentation_lut: bool,
        apply_palette_color_lut: bool | None,
        applyicc_profile: bool | None,
    ) -> "Options":
        """Check the options of :meth:`TransformChain.from_dataset` and resolve their interplay."""
        dt = np.dtype(dtype)
        if dt not in E.OUTPUT_DTYPES:
            names = ", ".join(str(d) for d in E.OUTPUT_DTYPES)
            raise ValueError(f"Unsupported output dtype {dt}: use one of {names}")
        if isinstance(voi_transform_selector, bool) or not isinstance(
            voi_transform_selector, (int, np.integer, str, Dataset)
        ):
            raise TypeError(
                "'voi_transform_selector' must be an int, a str or a VOILUTTransformation, "
                f"not {type(voi_transform_selector).__name__}"
            )
        use_rwvm, require_rwvm = option_flag(apply_real_world_transform, "apply_real_world_transform")
        use_modality, require_modality = option_flag(apply_modality_transform, "apply_modality_transform")
        use_voi, require_voi = option_flag(apply_voi_transform, "apply_voi_transform")
        use_palette, require_palette = option_flag(apply_palette_color_lut, "apply_palette_color_lut")
        use_icc, require_icc = option_flag(applyicc_profile, "applyicc_profile")
        if not isinstance(apply_presentation_lut, (bool, np.bool_)):
            raise TypeError(f"'apply_presentation_lut' must be True or False, not {apply_presentation_lut!r}")
        if require_rwvm and require_modality:
            raise ValueError(
                "'apply_real_world_transform' and 'apply_modality_transform' cannot both be True: "
                "a real world value map replaces the modality transform"
            )
        if require_rwvm:
            use_modality = False
            if require_voi:
                raise ValueError(
                    "'apply_real_world_transform' and 'apply_voi_transform' cannot both be True: the VOI "
                    "transform applies to modality values, which a real world value map replaces"
                )
            use_voi = False
        if require_modality:
            use_rwvm = False
        if use_voi and not use_modality and not require_rwvm:
            raise ValueError("If 'apply_voi_transform' is True or None, 'apply_modality_transform' cannot be False")
        if use_icc and not use_palette:
            # as highdicom: the ICC profile applies to the palette's output
            raise ValueError("If 'applyicc_profile' is True or None, 'apply_palette_color_lut' cannot be False")
        try:
            lo, hi = (float(v) for v in voi_output_range)
        except (TypeError, ValueError):
            raise TypeError(f"'voi_output_range' must be a pair of numbers, not {voi_output_range!r}") from None
        if not lo < hi:
            raise ValueError(f"The second value of 'voi_output_range' must be higher than the first, not {(lo, hi)}")
        return cls(
            dt, use_rwvm, require_rwvm, real_world_value_map_selector, use_modality, require_modality,
            use_voi, require_voi, voi_transform_selector, (lo, hi), bool(apply_presentation_lut),
            use_palette, require_palette, use_icc, require_icc,
        )
