"""All-or-nothing changes to a data set: planned first, applied together, undone on failure.

The write functions compute every new value (encoded frames, element values)
before they touch the data set, then hand the changes to :class:`DatasetEdit`,
which applies them and, if anything goes wrong while applying, puts back every
element it had changed, so that a caller never sees a half-written data set.
"""

from __future__ import annotations

from typing import Any

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.tag import Tag
from pydicom.uid import generate_uid

__all__ = ["DatasetEdit"]

_SOP_INSTANCE_UID = 0x00080018
_MEDIA_SOP_INSTANCE_UID = 0x00020003
_TRANSFER_SYNTAX_UID = 0x00020010
_MISSING = object()


class DatasetEdit:
    """Changes to the top level of a data set and of its file meta, applied as one.

    ``set(tag, vr, value)`` and ``delete(tag)`` record a change; ``apply()``
    makes them all, or none of them if one fails.
    """

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self._changes: dict[int, tuple[str, Any, bool] | None] = {}
        self._meta: dict[int, tuple[str, Any] | None] = {}

    def set(self, tag: Any, vr: str, value: Any, *, undefined_length: bool = False) -> None:
        self._changes[int(Tag(tag))] = (vr, value, undefined_length)

    def delete(self, *tags: Any) -> None:
        for tag in tags:
            self._changes[int(Tag(tag))] = None

    def set_meta(self, tag: Any, vr: str, value: Any) -> None:
        self._meta[int(Tag(tag))] = (vr, value)

    def set_transfer_syntax(self, uid: str) -> None:
        self.set_meta(_TRANSFER_SYNTAX_UID, "UI", uid)

    def new_instance_uid(self) -> str:
        """Plan a new SOP Instance UID (also in the file meta); returns it."""
        instance = generate_uid()
        self.set(_SOP_INSTANCE_UID, "UI", instance)
        self.set_meta(_MEDIA_SOP_INSTANCE_UID, "UI", instance)
        return instance

    def apply(self) -> Dataset:
        ds = self.ds
        saved: list[tuple[Dataset, int, Any]] = []
        had_meta = "file_meta" in ds.__dict__ or hasattr(ds, "file_meta")
        old_meta = getattr(ds, "file_meta", None)
        try:
            if self._meta:
                if old_meta is None:
                    ds.file_meta = FileMetaDataset()
                for tag, change in self._meta.items():
                    self._apply_one(ds.file_meta, tag, None if change is None else (*change, False), saved)
            for tag, change in self._changes.items():
                self._apply_one(ds, tag, change, saved)
        except BaseException:
            for target, tag, old in reversed(saved):
                if old is _MISSING:
                    if tag in target:
                        del target[tag]
                else:
                    target[tag] = old
            if not had_meta or old_meta is None:
                if "file_meta" in ds.__dict__:
                    del ds.file_meta
            raise
        return ds

    @staticmethod
    def _apply_one(target: Dataset, tag: int, change: tuple[str, Any, bool] | None, saved: list) -> None:
        old = target.get_item(tag) if tag in target else _MISSING
        if change is None:
            if old is _MISSING:
                return
            saved.append((target, tag, old))
            del target[tag]
            return
        vr, value, undefined = change
        saved.append((target, tag, old))
        elem = DataElement(tag, vr, value, is_undefined_length=undefined)
        target[tag] = elem
