"""Locate the DICOM files that ship with pydicom and pydicom-data, without the network.

``pydicom.data.get_testdata_files`` downloads every file of its URL map that
matches the pattern; the demo and the test suite must never touch the network,
so they enumerate the installed files here instead.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["testdata_files", "testdata_file"]


def _roots() -> list[Path]:
    from pydicom.data import data_manager

    roots = [Path(data_manager.DATA_ROOT) / "test_files"]
    try:
        sources = data_manager.external_data_sources()
    except Exception:  # a broken external source must not break enumeration
        sources = {}
    for source in sources.values():
        path = getattr(source, "data_path", None)
        if path is not None:
            roots.append(Path(path))
    return roots


def testdata_files() -> list[Path]:
    """Every file of pydicom's bundled test data and of installed external sources (pydicom-data)."""
    files: list[Path] = []
    for root in _roots():
        if root.is_dir():
            files.extend(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc", ".json", ".md"))
    return sorted(files, key=lambda p: (p.name, str(p)))


def testdata_file(name: str) -> Path:
    """The path of the test file called `name`, local only (never downloaded).

    Raises
    ------
    FileNotFoundError
        If no installed source has it.
    """
    from pydicom.data import get_testdata_file

    path = get_testdata_file(name, download=False)
    if path is None:
        raise FileNotFoundError(f"{name} is in neither pydicom's test files nor pydicom-data")
    return Path(path)
