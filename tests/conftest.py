"""Shared pytest configuration: real test data comes from pydicom and pydicom-data."""

from __future__ import annotations

import pytest

from tests._helpers import testdata


@pytest.fixture
def ct_small():
    """pydicom's CT_small.dcm (signed 16-bit, single frame), freshly read."""
    import pydicom

    return pydicom.dcmread(testdata("CT_small.dcm"))
