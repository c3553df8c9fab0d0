"""Test data for plugin test suites: the DICOM files of pydicom and pydicom-data, found locally.

A plugin's tests compare it with an oracle on real files nobody here wrote
(docs/plugins.md, "Testing a plugin"). These two functions find them among
the installed test files of pydicom and of pydicom-data (``pip install
pydicom-data``), and never download anything.

Examples
--------
>>> from dcmcore.plugins.testing import testdata_file
>>> testdata_file("MR_small_RLE.dcm").name  # doctest: +SKIP
'MR_small_RLE.dcm'
"""

from __future__ import annotations

from dcmcore._testdata import testdata_file, testdata_files

__all__ = ["testdata_file", "testdata_files"]

# Their names start with "test": tell pytest they are not tests wherever they are imported.
testdata_file.__test__ = False  # type: ignore[attr-defined]
testdata_files.__test__ = False  # type: ignore[attr-defined]
