"""Spatial transformers and helpers (highdicom's ``highdicom.spatial``).

Pixel indices, image coordinates and frame-of-reference coordinates of 2-D
images, affine matrices from DICOM attributes or components, patient
orientations, the sorting and spacing checks that turn planes into
volumes, and the tiles of a total pixel matrix. The volume classes themselves are in :mod:`dcmcore.volume`.
"""

from dcmcore.volume._affine import (
    LPS_PATIENT_REFERENCE_CONVENTION,
    PATIENT_ORIENTATION_OPPOSITES,
    RAS_PATIENT_REFERENCE_CONVENTION,
    VOLUME_INDEX_CONVENTION,
    convert_affine_to_convention,
    create_affine_matrix_from_attributes,
    create_affine_matrix_from_components,
    create_rotation_matrix,
    get_closest_patient_orientation,
    get_normal_vector,
    rotation_for_patient_orientation,
)
from dcmcore.volume._dataset import get_image_coordinate_system
from dcmcore.volume.positions import (
    are_points_coplanar,
    get_dataset_sort_index,
    get_plane_sort_index,
    get_series_volume_positions,
    get_volume_positions,
    map_coordinate_into_pixel_matrix,
    map_pixel_into_coordinate_system,
    sort_datasets,
)
from dcmcore.volume.tiling import (
    compute_tile_positions_per_frame,
    get_tile_array,
    is_tiled_image,
    iter_tiled_full_frame_data,
    tile_pixel_matrix,
)
from dcmcore.volume.transformers import (
    ImageToImageTransformer,
    ImageToReferenceTransformer,
    PixelToPixelTransformer,
    PixelToReferenceTransformer,
    ReferenceToImageTransformer,
    ReferenceToPixelTransformer,
)

__all__ = [
    "ImageToImageTransformer",
    "ImageToReferenceTransformer",
    "PixelToPixelTransformer",
    "PixelToReferenceTransformer",
    "ReferenceToImageTransformer",
    "ReferenceToPixelTransformer",
    "PATIENT_ORIENTATION_OPPOSITES",
    "VOLUME_INDEX_CONVENTION",
    "LPS_PATIENT_REFERENCE_CONVENTION",
    "RAS_PATIENT_REFERENCE_CONVENTION",
    "are_points_coplanar",
    "compute_tile_positions_per_frame",
    "get_tile_array",
    "is_tiled_image",
    "iter_tiled_full_frame_data",
    "tile_pixel_matrix",
    "convert_affine_to_convention",
    "create_affine_matrix_from_attributes",
    "create_affine_matrix_from_components",
    "create_rotation_matrix",
    "get_closest_patient_orientation",
    "get_dataset_sort_index",
    "get_image_coordinate_system",
    "get_normal_vector",
    "get_plane_sort_index",
    "get_series_volume_positions",
    "get_volume_positions",
    "map_coordinate_into_pixel_matrix",
    "map_pixel_into_coordinate_system",
    "rotation_for_patient_orientation",
    "sort_datasets",
]
