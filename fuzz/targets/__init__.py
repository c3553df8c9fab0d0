"""The fuzz targets. Each module has ``seeds()`` (inputs made from the test files) and
``run(data)`` (one input through dcmcore; raises what dcmcore raised, or
``AssertionError`` when a differential check fails), and may set ``FOCUS``
(leading bytes of structure that get a third of the mutations) and ``MAX_LEN``."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from types import ModuleType

__all__ = ["TARGETS", "load"]

#: name -> what it fuzzes
TARGETS = {
    "rle_frame": "RLE frame decoder: dcmcore.rle.decode_frame against the batched decode_frames (differential)",
    "encaps": "fragment and offset table parser: FragmentIndex, frame_ranges (Basic and Extended Offset Tables), join",
    "pixel_file": "a whole file through pixel_array (from a file object and from a Dataset) and iter_pixels (differential)",
    "pixel_dataset": "Image Pixel elements against Pixel Data: pixel_array / iter_pixels of a Dataset built from a header (native, RLE)",
    "overlay": "overlays: overlay_array, list_overlays, burn_in, embedded overlays in Pixel Data",
    "lut": "LUTs: segmented palette expansion, palette / modality / VOI / presentation LUTs from elements",
    "plugin_rle": "the dcmcore-rle plugin's decode (pylibjpeg-rle), against dcmcore's decoder",
    "plugin_gdcm": "the dcmcore-gdcm plugin's decode (GDCM): JPEG, JPEG-LS, JPEG 2000, RLE frames",
    "plugin_imagecodecs": "the dcmcore-imagecodecs plugin's decode and decode_frames: JPEG, JPEG-LS, JPEG 2000, HTJ2K, JPEG XL frames",
}


def checkout_distributions() -> set[str]:
    """dcmcore and the plugin distributions under ``plugins/`` of this checkout."""
    names = {"dcmcore"}
    for project in (Path(__file__).resolve().parents[2] / "plugins").glob("*/pyproject.toml"):
        found = re.search(r'^name\s*=\s*"([^"]+)"', project.read_text(), re.M)
        if found:
            names.add(found[1])
    return names


def only_checkout_plugins() -> None:
    """Fuzz the codec plugins of this checkout only, not others installed in the environment.

    Filters the entry points dcmcore's registry sees, for the rest of this
    process: called by the processes that run targets (the runner's children,
    ``replay``, atheris), never by a test process, whose registry tests
    install plugins of their own. ``$DCMCORE_FUZZ_DISTS`` (comma-separated
    distribution names) overrides the set.
    """
    from dcmcore.plugins import registry

    wanted = {n.strip() for n in os.environ.get("DCMCORE_FUZZ_DISTS", "").split(",") if n.strip()}
    wanted = wanted or checkout_distributions()
    if getattr(registry.entry_points, "_fuzz_filter", None) == wanted:
        return
    original = registry.entry_points

    def entry_points(**kwargs):
        return [ep for ep in original(**kwargs) if getattr(getattr(ep, "dist", None), "name", "dcmcore") in wanted]

    entry_points._fuzz_filter = wanted  # type: ignore[attr-defined]
    registry.entry_points = entry_points
    registry.refresh()


def load(name: str) -> ModuleType:
    """The target module called `name` (or ``_selftest``, which crashes and hangs on purpose)."""
    if name not in TARGETS and name != "_selftest":
        raise SystemExit(f"unknown fuzz target {name!r}; targets: {', '.join(TARGETS)}")
    return importlib.import_module(f"fuzz.targets.{name}")
