"""The output dtype policy: whether an integer dtype can hold what a plan produces (highdicom's rules).

Internal to :mod:`dcmcore.transforms`: the other modules of the subpackage
import its public names.
"""

from __future__ import annotations

import numpy as np

from dcmcore.transforms import _engine as E
from dcmcore.transforms._dsutil import T, tag_name
from dcmcore.transforms._image import ImageInfo
from dcmcore.transforms._options import Options

__all__ = ["check_output_dtype", "check_affine"]


def check_output_dtype(plan: E.Plan, info: ImageInfo, opts: Options, *, rounding: bool) -> None:
    """Reject, once, an integer output dtype that cannot hold the transformed values.

    The rules are highdicom's (``Image.get_frame``), which decides from the
    transform and the Bits Stored range, never from a frame's values:

    * a display range (VOI transform): `voi_output_range` must fit the dtype;
    * a rescale and/or inversion ``y = a x + b`` other than the identity: `a`
      and `b` must be integers, an unsigned dtype needs ``b >= 0``, and
      ``a * max + b`` / ``a * min + b`` over the Bits Stored range must fit;
    * a Modality LUT or palette: its entries (8 or 16 bits) must cast safely
      to the dtype; a Real World Value LUT (floating point) cannot be exact.

    What highdicom then casts without a check (stored values as they are, an
    inversion) is checked against each frame's values when it is applied: a
    stored value whose result the dtype cannot hold raises there, where
    highdicom would wrap it around (the table keeps such entries flagged).
    """
    dtype = opts.dtype
    if dtype.kind not in "iu":
        return
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    if rounding:
        if opts.voi_range[0] < lo or opts.voi_range[1] > hi:
            raise ValueError(
                f"voi_output_range {opts.voi_range} does not fit the output dtype {dtype} ({lo} .. {hi})"
            )
        return
    if info.is_float:
        raise ValueError(
            f"An integer output dtype ({dtype}) needs integer stored values, but the pixel data is floating point; "
            "use a floating point dtype, or a VOI transform into a display range"
        )
    stages = plan.stages
    if not stages:
        return  # the stored values themselves: checked per frame
    arith = plan.arithmetic
    if arith is not None and arith[2] == 0:
        slope, intercept, _, _, _, ymin, ymax, invert = arith
        a, b = (-slope, ymin + ymax - intercept) if invert else (slope, intercept)
        if plan.valid is not None:
            what = f"The real world value map ({tag_name(T.RealWorldValueSlope)} / {tag_name(T.RealWorldValueIntercept)})"
        elif (slope, intercept) == (1.0, 0.0):
            what = "The inversion (MONOCHROME1 or INVERSE)"
        else:
            what = f"The rescale ({tag_name(T.RescaleSlope)} / {tag_name(T.RescaleIntercept)})"
            what += ", inverted (MONOCHROME1 or INVERSE)," if invert else ""
        check_affine(a, b, info.domain, dtype, what)
        return
    for stage in stages:
        if isinstance(stage, E.Lookup) and not isinstance(stage, E.Palette) and stage.data.dtype.kind == "f" and not stage.clip:
            raise ValueError(
                f"An integer output dtype ({dtype}) cannot hold the floating point values of {stage.what}; "
                "use a floating point dtype"
            )
    if len(stages) <= 2 and isinstance(stages[0], E.Lookup) and stages[0].data.dtype.kind in "iu":
        entries = stages[0].data.dtype
        if not np.can_cast(entries, dtype, "safe"):
            raise ValueError(
                f"The output dtype {dtype} cannot hold the {entries.itemsize * 8}-bit entries of {stages[0].what}; "
                "use a floating point dtype or a wider integer dtype"
            )
        return
    # any other composition (a Presentation LUT Sequence): every entry must fit
    domain = plan.valid if plan.valid is not None else info.domain
    if domain is None or domain[1] - domain[0] >= (1 << 16):
        return
    lo_d = int(np.ceil(domain[0]))
    _, invalid = E.table(plan, np.dtype(np.int64), lo_d, int(domain[1]) - lo_d + 1)
    if invalid is not None:
        raise E.first_invalid_error(invalid, plan, lo_d)


def check_affine(a: float, b: float, domain: tuple[int, int] | None, dtype: np.dtype, what: str) -> None:
    """highdicom's checks of a rescale ``y = a x + b`` into an integer dtype (none for the identity)."""
    if (a, b) == (1.0, 0.0):
        return
    name = f"{what} y = {a:g} x + {b:g}"
    if not (float(a).is_integer() and float(b).is_integer()):
        raise ValueError(
            f"{name}: its slope or intercept is not an integer, so the output dtype {dtype} cannot hold its values"
        )
    if dtype.kind == "u" and b < 0:
        raise ValueError(f"{name} has a negative intercept: the unsigned output dtype {dtype} cannot hold its values")
    if domain is None:
        return
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max
    at_max, at_min = a * domain[1] + b, a * domain[0] + b
    if at_max > hi or at_min < lo:
        raise ValueError(
            f"{name} maps the stored values {domain[0]} .. {domain[1]} ({tag_name(T.BitsStored)}) to "
            f"{min(at_min, at_max):g} .. {max(at_min, at_max):g}: the output dtype {dtype} cannot hold them ({lo} .. {hi})"
        )
