"""What an image says about itself beyond its pixels: dimensions, references, coordinate system.

A mixin of :class:`~dcmcore.image.Image`, working on the data set's elements
only (never on pixel data), so it serves lazy and in-memory images alike.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag, Tag
from pydicom.uid import UID

from dcmcore.image._tiles import full_dimension_values
from dcmcore.image.enums import CoordinateSystemNames

__all__ = ["MetadataMixin", "PATIENT_AND_STUDY_KEYWORDS", "SPECIMEN_KEYWORDS", "ROW_POSITION", "COLUMN_POSITION"]

LOGGER = logging.getLogger("dcmcore")

# PS3.3 C.7.1.1 Patient, C.7.2.1 General Study, C.7.2.2 Patient Study,
# C.7.1.3 Clinical Trial Subject and C.7.2.3 Clinical Trial Study: their top-level attributes
PATIENT_AND_STUDY_KEYWORDS = (
    # Patient
    "PatientName", "PatientID", "IssuerOfPatientID", "IssuerOfPatientIDQualifiersSequence",
    "TypeOfPatientID", "PatientBirthDate", "PatientBirthDateInAlternativeCalendar",
    "PatientDeathDateInAlternativeCalendar", "PatientAlternativeCalendar", "PatientSex",
    "ReferencedPatientPhotoSequence", "QualityControlSubject", "ReferencedPatientSequence",
    "PatientBirthTime", "OtherPatientIDsSequence", "OtherPatientNames", "EthnicGroup",
    "EthnicGroupCodeSequence", "EthnicGroups", "PatientComments", "PatientSpeciesDescription",
    "PatientSpeciesCodeSequence", "PatientBreedDescription", "PatientBreedCodeSequence",
    "BreedRegistrationSequence", "StrainDescription", "StrainNomenclature", "StrainCodeSequence",
    "StrainAdditionalInformation", "StrainStockSequence", "GeneticModificationsSequence",
    "ResponsiblePerson", "ResponsiblePersonRole", "ResponsibleOrganization", "PatientIdentityRemoved",
    "DeidentificationMethod", "DeidentificationMethodCodeSequence",
    "SourcePatientGroupIdentificationSequence", "GroupOfPatientsIdentificationSequence",
    # General Study
    "StudyInstanceUID", "StudyDate", "StudyTime", "ReferringPhysicianName",
    "ReferringPhysicianIdentificationSequence", "ConsultingPhysicianName",
    "ConsultingPhysicianIdentificationSequence", "StudyID", "AccessionNumber",
    "IssuerOfAccessionNumberSequence", "StudyDescription", "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence", "NameOfPhysiciansReadingStudy",
    "PhysiciansReadingStudyIdentificationSequence", "RequestingServiceCodeSequence",
    "ReferencedStudySequence", "ProcedureCodeSequence", "ReasonForPerformedProcedureCodeSequence",
    # Patient Study
    "AdmittingDiagnosesDescription", "AdmittingDiagnosesCodeSequence", "PatientAge", "PatientSize",
    "PatientSizeCodeSequence", "PatientBodyMassIndex", "MeasuredAPDimension", "MeasuredLateralDimension",
    "PatientWeight", "MedicalAlerts", "Allergies", "Occupation", "SmokingStatus", "AdditionalPatientHistory",
    "PregnancyStatus", "LastMenstrualDate", "PatientSexNeutered", "ReasonForVisit",
    "ReasonForVisitCodeSequence", "AdmissionID", "IssuerOfAdmissionIDSequence", "ServiceEpisodeID",
    "IssuerOfServiceEpisodeIDSequence", "ServiceEpisodeDescription", "PatientState",
    # Clinical Trial Subject
    "ClinicalTrialSponsorName", "ClinicalTrialProtocolID", "ClinicalTrialProtocolName",
    "IssuerOfClinicalTrialProtocolID", "OtherClinicalTrialProtocolIDsSequence", "ClinicalTrialSiteID",
    "ClinicalTrialSiteName", "IssuerOfClinicalTrialSiteID", "ClinicalTrialSubjectID",
    "IssuerOfClinicalTrialSubjectID", "ClinicalTrialSubjectReadingID", "IssuerOfClinicalTrialSubjectReadingID",
    "ClinicalTrialProtocolEthicsCommitteeName", "ClinicalTrialProtocolEthicsCommitteeApprovalNumber",
    # Clinical Trial Study
    "ClinicalTrialTimePointID", "IssuerOfClinicalTrialTimePointID", "ClinicalTrialTimePointDescription",
    "LongitudinalTemporalOffsetFromEvent", "LongitudinalTemporalEventType",
    "ClinicalTrialTimePointTypeCodeSequence", "ConsentForClinicalTrialUseSequence",
)

# PS3.3 C.7.6.22 Specimen
SPECIMEN_KEYWORDS = (
    "ContainerIdentifier", "IssuerOfTheContainerIdentifierSequence", "AlternateContainerIdentifierSequence",
    "ContainerTypeCodeSequence", "ContainerDescription", "ContainerComponentSequence",
    "SpecimenDescriptionSequence",
)

ROW_POSITION = Tag("RowPositionInTotalImagePixelMatrix")
COLUMN_POSITION = Tag("ColumnPositionInTotalImagePixelMatrix")


def _tags(keywords: Sequence[str]) -> list[int]:
    return [t for t in (tag_for_keyword(kw) for kw in keywords) if t is not None]


_PATIENT_AND_STUDY_TAGS = _tags(PATIENT_AND_STUDY_KEYWORDS)
_SPECIMEN_TAGS = _tags(SPECIMEN_KEYWORDS)


def _copy_elements(dst: Dataset, src: Dataset, tags: Sequence[int]) -> None:
    for tag in tags:
        if tag in src._dict:
            dst[tag] = src[tag]


def as_tag(pointer: int | str) -> BaseTag:
    """A dimension index pointer given as a tag or a keyword."""
    if isinstance(pointer, str):
        tag = tag_for_keyword(pointer)
        if tag is None:
            raise ValueError(f"'{pointer}' is not a DICOM keyword")
        return BaseTag(tag)
    return BaseTag(Tag(pointer))


class MetadataMixin:
    """Element-level queries of an image data set (mixed into :class:`~dcmcore.image.Image`)."""

    @property
    def dimension_index_pointers(self) -> list[BaseTag]:
        """The (0020,9165) *Dimension Index Pointer* of each item of the Dimension Index Sequence."""
        items = self.get("DimensionIndexSequence") or []  # type: ignore[attr-defined]
        return [BaseTag(Tag(item.DimensionIndexPointer)) for item in items if "DimensionIndexPointer" in item]

    def _dimension_index_values(self) -> list[tuple[int, ...]]:
        """Each frame's (0020,9157) *Dimension Index Values* (empty tuples where absent)."""
        items = self.get("PerFrameFunctionalGroupsSequence") or []  # type: ignore[attr-defined]
        values = []
        for item in items:
            content = item.get("FrameContentSequence")
            div = content[0].get("DimensionIndexValues") if content else None
            if div is None:
                values.append(())
            else:
                values.append(tuple(int(v) for v in (div if isinstance(div, (list, tuple)) or hasattr(div, "__iter__") else [div])))
        return values

    def are_dimension_indices_unique(self, dimension_index_pointers: Sequence[int | BaseTag | str]) -> bool:
        """Whether every frame has its own combination of index values for these pointers.

        For a TILED_FULL image the values are those its tile grid implies
        (row and column positions, X, Y and Z offsets in the slide
        coordinate system, the optical path), as highdicom takes them.

        Raises
        ------
        KeyError
            A pointer that is not one of :attr:`dimension_index_pointers`
            (of a TILED_FULL image: not one of the implied dimensions).
        InvalidElementError
            A TILED_FULL image with fewer frames than its tile grid implies.
        """
        tags = [as_tag(p) for p in dimension_index_pointers]
        if self.get("DimensionOrganizationType", "") == "TILED_FULL":  # type: ignore[attr-defined]
            # the tile grid implies each frame's values (whether or not a Dimension Index Sequence lists them)
            implied = full_dimension_values(self, self.number_of_frames)  # type: ignore[arg-type, attr-defined]
            for tag in tags:
                if tag not in implied:
                    raise KeyError(
                        f"{tag} is not a dimension of the TILED_FULL image (those its tile grid implies are "
                        f"{[BaseTag(t) for t in implied]})"
                    )
            columns = [implied[tag].tolist() for tag in tags]
            rows = list(zip(*columns)) if columns else [()] * self.number_of_frames  # type: ignore[attr-defined]
            return len(set(rows)) == len(rows)
        known = self.dimension_index_pointers
        positions = []
        for tag in tags:
            if tag not in known:
                raise KeyError(f"{tag} is not a dimension index pointer of the image (those are {known})")
            positions.append(known.index(tag))
        rows = self._index_rows(positions)
        return len(set(rows)) == len(rows)

    def _index_rows(self, positions: list[int]) -> list[tuple]:
        values = self._dimension_index_values()
        return [tuple(v[p] for p in positions) for v in values]

    def get_source_image_uids(self) -> list[tuple[UID, UID, UID]]:
        """(Study, Series, SOP Instance UID) of every instance the image's reference sequences name.

        Taken from the Referenced Series Sequence of the data set and of the
        items of its Studies Containing Other Referenced Instances Sequence
        and Source Image Evidence Sequence, in that order, without repeats.
        """
        found: list[tuple[str, str, str]] = []

        def collect(study: Dataset) -> None:
            for series in study.get("ReferencedSeriesSequence") or []:
                refs = series.get("ReferencedSOPSequence")
                if refs is None:
                    refs = series.get("ReferencedInstanceSequence") or []
                for ref in refs:
                    found.append((study.StudyInstanceUID, series.SeriesInstanceUID, ref.ReferencedSOPInstanceUID))

        collect(self)  # type: ignore[arg-type]
        for keyword in ("StudiesContainingOtherReferencedInstancesSequence", "SourceImageEvidenceSequence"):
            for study in self.get(keyword) or []:  # type: ignore[attr-defined]
                collect(study)
        unique = list(dict.fromkeys(found))
        if len(unique) != len(found):
            LOGGER.warning("The image references some instances more than once")
        return [(UID(a), UID(b), UID(c)) for a, b, c in unique]

    @property
    def coordinate_system(self) -> CoordinateSystemNames | None:
        """The frame-of-reference coordinate system the image lies in (SLIDE, PATIENT), or None."""
        from dcmcore.spatial import get_image_coordinate_system

        return get_image_coordinate_system(self)  # type: ignore[arg-type]

    def copy_patient_and_study_information(self, dataset: Dataset) -> None:
        """Copy `dataset`'s Patient, General Study, Patient Study and Clinical Trial Subject / Study attributes."""
        _copy_elements(self, dataset, _PATIENT_AND_STUDY_TAGS)  # type: ignore[arg-type]

    def copy_specimen_information(self, dataset: Dataset) -> None:
        """Copy `dataset`'s Specimen module attributes."""
        _copy_elements(self, dataset, _SPECIMEN_TAGS)  # type: ignore[arg-type]
