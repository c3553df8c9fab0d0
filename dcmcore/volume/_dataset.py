"""Reading the spatial elements of image data sets: coordinate system, position, orientation, spacing."""

from __future__ import annotations

from pydicom.dataset import Dataset

from dcmcore.volume.enums import CoordinateSystemNames

__all__ = ["is_multiframe", "get_image_coordinate_system", "spatial_information"]


def is_multiframe(ds: Dataset) -> bool:
    """True for an enhanced (functional groups) multi-frame image."""
    return "PerFrameFunctionalGroupsSequence" in ds or "SharedFunctionalGroupsSequence" in ds


def get_image_coordinate_system(dataset: Dataset) -> CoordinateSystemNames | None:
    """The coordinate system of an image's frame of reference, or None when it has none."""
    if "FrameOfReferenceUID" not in dataset:
        return None
    if "ImageOrientationSlide" in dataset or "ImageCenterPointCoordinatesSequence" in dataset:
        return CoordinateSystemNames.SLIDE
    if "ImagePositionPatient" in dataset:
        return CoordinateSystemNames.PATIENT
    for keyword in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        groups = dataset.get(keyword)
        if groups:
            positions = groups[0].get("PlanePositionSequence")
            if positions and "ImagePositionPatient" in positions[0]:
                return CoordinateSystemNames.PATIENT
    return None


def _group_item(shared: Dataset, frame: Dataset | None, keyword: str, what: str) -> Dataset:
    if keyword in shared:
        return shared[keyword].value[0]
    if frame is not None and keyword in frame:
        return frame[keyword].value[0]
    raise ValueError(f"No {what} information found: neither the shared nor the frame's functional groups have {keyword}.")


def spatial_information(
    dataset: Dataset, frame_number: int | None = None, for_total_pixel_matrix: bool = False
) -> tuple[list[float], list[float], list[float], float | None]:
    """(position, orientation, pixel spacing, spacing between slices or None) of an image or frame.

    `frame_number` is 1-based, required for a multi-frame image and None or 1
    for a single-frame one.
    """
    coordinate_system = get_image_coordinate_system(dataset)
    if coordinate_system is None:
        raise ValueError('The input "dataset" has no spatial information as it has no frame of reference.')
    if for_total_pixel_matrix:
        if "TotalPixelMatrixOriginSequence" not in dataset:
            raise ValueError("Image is not a tiled image.")
        origin = dataset.TotalPixelMatrixOriginSequence[0]
        position = [
            origin.XOffsetInSlideCoordinateSystem,
            origin.YOffsetInSlideCoordinateSystem,
            origin.get("ZOffsetInSlideCoordinateSystem", 0.0),
        ]
        shared = dataset.SharedFunctionalGroupsSequence[0]
        if "PixelMeasuresSequence" not in shared:
            raise ValueError("PixelMeasuresSequence not found in the SharedFunctionalGroupsSequence.")
        measures = shared.PixelMeasuresSequence[0]
        return position, list(dataset.ImageOrientationSlide), list(measures.PixelSpacing), measures.get(
            "SpacingBetweenSlices"
        )
    if is_multiframe(dataset):
        if frame_number is None:
            raise TypeError('Argument "frame_number" must be specified for a multi-frame image.')
        shared = dataset.SharedFunctionalGroupsSequence[0]
        if dataset.get("DimensionOrganizationType", "") == "TILED_FULL":
            raise NotImplementedError("Frame positions of TILED_FULL images are not supported.")
        frames = dataset.PerFrameFunctionalGroupsSequence
        if not 1 <= frame_number <= len(frames):
            raise IndexError(f"Frame number {frame_number} is not in [1, {len(frames)}].")
        frame = frames[frame_number - 1]
        measures = _group_item(shared, frame, "PixelMeasuresSequence", "pixel measures")
        if coordinate_system is CoordinateSystemNames.SLIDE:
            item = _group_item(shared, frame, "PlanePositionSlideSequence", "frame position")
            position = [
                item.XOffsetInSlideCoordinateSystem,
                item.YOffsetInSlideCoordinateSystem,
                item.ZOffsetInSlideCoordinateSystem,
            ]
            orientation = list(dataset.ImageOrientationSlide)
        else:
            position = list(_group_item(shared, frame, "PlanePositionSequence", "frame position").ImagePositionPatient)
            item = _group_item(shared, frame, "PlaneOrientationSequence", "frame orientation")
            orientation = list(item.ImageOrientationPatient)
        return position, orientation, list(measures.PixelSpacing), measures.get("SpacingBetweenSlices")
    if frame_number is not None and frame_number != 1:
        raise TypeError('Argument "frame_number" must be None or 1 for a single-frame image.')
    return (
        list(dataset.ImagePositionPatient),
        list(dataset.ImageOrientationPatient),
        list(dataset.PixelSpacing),
        dataset.get("SpacingBetweenSlices"),
    )
