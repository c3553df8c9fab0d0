"""Every code example of README.md and docs/*.md runs, as a reader would run it.

The fenced ``python`` blocks of one file (and ``pycon`` / ``>>>`` blocks, checked
as doctests) run in order in one fresh namespace, in a fresh interpreter whose
working directory is an empty temporary directory and which cannot open a network
connection. Shell blocks are not run, but every ``make <target>`` they (or inline
code spans) mention must be a target of the Makefile. Blocks in another language
(``toml``, ``text``, none) are illustrations and are left alone.

A block that is known to fail is listed in ``KNOWN_FAILURES`` by file and block
number (blocks are numbered from 1 in the order they appear, whatever their
language); the mark is strict, so a block that starts working must be taken off
the list.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

PYTHON = {"python", "py", "python3"}
PYCON = {"pycon"}
SHELL = {"sh", "bash", "shell", "console", "shell-session"}

#: (file relative to the checkout, block number) -> why the block does not run.
#: Empty: every example runs. A block that cannot be made to run as a reader
#: would run it is listed here, with the reason, until it is fixed.
KNOWN_FAILURES: dict[tuple[str, int], str] = {}


@dataclass(frozen=True)
class Block:
    """One fenced code block of a Markdown file."""

    number: int  # 1-based, counting every fenced block of the file
    line: int  # 1-based line of the opening fence
    lang: str
    source: str

    @property
    def kind(self) -> str:
        if self.lang in PYCON or (self.lang in PYTHON and self.source.lstrip().startswith(">>>")):
            return "doctest"
        if self.lang in PYTHON:
            return "python"
        if self.lang in SHELL:
            return "shell"
        return "other"


_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


def parse_blocks(text: str) -> list[Block]:
    """The fenced code blocks of Markdown `text` (CommonMark fences, indented up to 3 spaces)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match["fence"], len(match["indent"])
        lang = (match["info"].split() or [""])[0].lower()
        body = []
        j = i + 1
        while j < len(lines):
            close = re.match(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$", lines[j])
            if close:
                break
            body.append(lines[j][indent:] if lines[j][:indent].strip() == "" else lines[j])
            j += 1
        blocks.append(Block(len(blocks) + 1, i + 1, lang, textwrap.dedent("\n".join(body)) + "\n"))
        i = j + 1
    return blocks


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- running a file's examples in a fresh interpreter ---------------------------
_RUNNER = r'''
import doctest, json, socket, sys, traceback, warnings

def _no_network(*args, **kwargs):
    raise OSError("a documentation example tried to use the network")

socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network
warnings.simplefilter("error")

blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
results = []
for label, kind, source, line in blocks:
    try:
        if kind == "doctest":
            test = doctest.DocTestParser().get_doctest(source, namespace, label, label, line)
            report = []
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
            outcome = runner.run(test, out=report.append, clear_globs=False)
            results.append({"ok": not outcome.failed, "error": "".join(report)})
        else:
            exec(compile("\n" * (line) + source, label, "exec"), namespace)
            results.append({"ok": True, "error": ""})
    except BaseException:
        results.append({"ok": False, "error": traceback.format_exc()})
with open(sys.argv[1], "w") as fh:
    json.dump(results, fh)
'''


@functools.cache
def _run_file(path: Path, workdir: Path) -> dict[int, dict]:
    """Run the Python and doctest blocks of `path` in order in one fresh interpreter."""
    runnable = [b for b in parse_blocks(path.read_text()) if b.kind in ("python", "doctest")]
    if not runnable:
        return {}
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir.parent / f"{workdir.name}.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("PYTHONSTARTUP", None)
    payload = json.dumps([(f"{_rel(path)} block {b.number}", b.kind, b.source, b.line) for b in runnable])
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER, str(results_file)],
        input=payload,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode or not results_file.exists():
        raise AssertionError(f"running the examples of {_rel(path)} crashed:\n{proc.stdout}\n{proc.stderr}")
    results = json.loads(results_file.read_text())
    return {b.number: {**r, "stdout": proc.stdout} for b, r in zip(runnable, results)}


def _block_params():
    for path in DOC_FILES:
        for block in parse_blocks(path.read_text()):
            if block.kind not in ("python", "doctest"):
                continue
            key = (_rel(path), block.number)
            marks = [pytest.mark.xfail(reason=KNOWN_FAILURES[key], strict=True)] if key in KNOWN_FAILURES else []
            yield pytest.param(path, block.number, id=f"{key[0]}#{block.number}", marks=marks)


@pytest.fixture(scope="session")
def docs_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs")


@pytest.mark.parametrize("path, number", list(_block_params()))
def test_doc_block_runs(path, number, docs_workdir):
    results = _run_file(path, docs_workdir / path.stem)
    result = results[number]
    assert result["ok"], f"{_rel(path)} block {number} failed:\n{result['error']}"


def test_known_failures_name_real_python_blocks():
    for (name, number), reason in KNOWN_FAILURES.items():
        blocks = {b.number: b for b in parse_blocks((ROOT / name).read_text())}
        assert number in blocks, f"{name} has no block {number}"
        assert blocks[number].kind in ("python", "doctest"), f"{name} block {number} is not run: {reason}"
        assert f"block {number}" in reason


# -- shell blocks: the make targets exist ------------------------------------------
def _make_targets() -> set[str]:
    targets = set()
    for line in (ROOT / "Makefile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-$()/ ]+?)\s*::?(?!=)", line)
        if match and not line.startswith(("\t", "#")):
            targets.update(t for t in match[1].split() if not t.startswith((".", "$")))
    return targets


_MAKE = re.compile(r"(?:^|[\s;&|(`])make\s+((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def make_invocations(text: str) -> list[str]:
    """The targets of ``make <target>`` in the shell blocks and inline code spans of `text`."""
    found = []
    for block in parse_blocks(text):
        if block.kind == "shell":
            for line in block.source.splitlines():
                found += [m[2] for m in _MAKE.finditer(line.split("#", 1)[0])]
    for span in re.findall(r"`([^`\n]+)`", re.sub(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1", "", text)):
        found += [m[2] for m in _MAKE.finditer(" " + span)]
    return found


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_make_targets_exist(path):
    targets = _make_targets()
    missing = sorted({t for t in make_invocations(path.read_text()) if t not in targets})
    assert not missing, f"{_rel(path)} mentions make targets the Makefile lacks: {missing}"


# -- the collector itself --------------------------------------------------------
def test_parser_and_make_scanner():
    text = textwrap.dedent(
        """\
        intro `make demo` and `make nothere`

        ```python
        x = 1
        ```

        ```toml
        a = 1
        ```

        ~~~pycon
        >>> x + 1
        2
        ~~~

        ```sh
        make test PYTEST_ARGS=-x   # make bogus in a comment
        VAR=1 make bench && make compare
        ```
        """
    )
    blocks = parse_blocks(text)
    assert [(b.number, b.lang, b.kind) for b in blocks] == [
        (1, "python", "python"),
        (2, "toml", "other"),
        (3, "pycon", "doctest"),
        (4, "sh", "shell"),
    ]
    assert blocks[0].source == "x = 1\n"
    assert sorted(make_invocations(text)) == ["bench", "compare", "demo", "nothere", "test"]
    assert {"demo", "test", "bench", "compare", "build", "clean"} <= _make_targets()


def test_every_doc_file_is_collected():
    names = {_rel(p) for p in DOC_FILES}
    assert {"README.md", "docs/usage.md", "docs/plugins.md", "docs/transforms.md", "docs/architecture.md"} <= names
    assert any(_rel(p).startswith("docs/performance") for p in DOC_FILES)


# -- figures the docs quote, measured ---------------------------------------------
def _doc(name: str) -> str:
    return " ".join((ROOT / name).read_text().split())  # line breaks as spaces


def _read(name: str):
    import warnings

    import pydicom

    from dcmcore._testdata import testdata_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pydicom.dcmread(testdata_file(name))


def _figure(value: float) -> str:
    """`value` with two significant digits, as the docs write it (7.7e-5, 1.4e-3)."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@pytest.mark.parametrize("name, figure", [("6154", "7.7e-5"), ("MR2_UNCI.dcm", "1.4e-3")])
def test_transforms_md_highdicom_window_with_rescale_slope(name, figure):
    """docs/transforms.md: with Rescale Slope != 1 highdicom's window differs from PS3.3's by `figure`."""
    import warnings

    import highdicom as hd
    import numpy as np

    import dcmcore

    ds = _read(name)  # unsigned, so highdicom decodes the same stored values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = hd.Image.from_dataset(ds, copy=True).get_frame(1, dtype=np.float64, apply_voi_transform=True)
    ours = dcmcore.TransformChain.from_dataset(ds, apply_voi_transform=True)(dcmcore.pixel_array(ds))
    assert float(ds.RescaleSlope) != 1
    assert _figure(float(np.abs(ours - theirs).max())) == figure
    assert "up to 7.7e-5 from the standard's on `6154` and 1.4e-3 on `MR2_UNCI.dcm`" in _doc("docs/transforms.md")


def test_transforms_md_windows_equal_pydicom_up_to_rounding():
    """docs/transforms.md: windows differ from pydicom's by < 1e-15 of the largest value; the quoted maxima."""
    import warnings

    import numpy as np
    import pydicom.pixels as pdp

    from dcmcore import apply_modality_lut, apply_voi_lut, apply_windowing, pixel_array

    largest_abs: dict[str, float] = {}
    worst_relative = 0.0
    for name in ["MR_small.dcm", "RG1_UNCI.dcm", "RG3_UNCI.dcm", "MR2_UNCI.dcm", "6154", "MR-SIEMENS-DICOM-WithOverlays.dcm"]:
        ds = _read(name)
        modality = apply_modality_lut(pixel_array(ds), ds)
        for index in range(ds["WindowCenter"].VM):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = pdp.apply_windowing(modality, ds.copy(), index)
            for ours in (apply_windowing(modality, ds, index), apply_voi_lut(modality, ds, index)):
                diff = float(np.abs(ours - theirs).max())
                largest_abs[name] = max(largest_abs.get(name, 0.0), diff)
                worst_relative = max(worst_relative, diff / float(np.abs(theirs).max()))
    assert worst_relative < 1e-15
    assert _figure(largest_abs["MR_small.dcm"]) == "1.5e-11"
    assert _figure(largest_abs["RG1_UNCI.dcm"]) == "7.3e-12"
    assert max(largest_abs.values()) == largest_abs["MR_small.dcm"]
    text = _doc("docs/transforms.md")
    assert "by less than 1e-15 of the largest output value, at most 1.5e-11 on `MR_small.dcm`" in text
    assert "7.3e-12 on `RG1_UNCI.dcm`" in text


def _t871_exact(every: "np.ndarray", desired: str) -> "np.ndarray":
    """ITU-T T.871's equations as printed, computed exactly (integers), rounded half up and clamped."""
    import numpy as np

    a, b, c = (every[..., i].astype(np.int32) for i in range(3))  # every sum below fits

    def rounded(numerator, denominator):  # floor(numerator / denominator + 1/2), exactly
        return np.clip((2 * numerator + denominator) // (2 * denominator), 0, 255)

    if desired == "RGB":  # from Y, Cb, Cr: 1.402, 0.344136, 0.714136, 1.772
        cb, cr = b - 128, c - 128
        planes = (
            rounded(1000 * a + 1402 * cr, 1000),
            rounded(10**6 * a - 344136 * cb - 714136 * cr, 10**6),
            rounded(1000 * a + 1772 * cb, 1000),
        )
    else:  # from R, G, B: 0.299, 0.587, 0.114; Cb and Cr over 1.772 and 1.402
        planes = (
            rounded(299 * a + 587 * b + 114 * c, 1000),
            rounded(-299 * a - 587 * b + 886 * c + 128 * 1772, 1772),
            rounded(701 * a - 587 * b - 114 * c + 128 * 1402, 1402),
        )
    return np.stack(planes, axis=-1)


def test_transforms_md_ybr_rgb_is_pydicoms():
    """docs/transforms.md: dcmcore's YCbCr <-> RGB is pydicom's (fused float32 T.871), bit for bit.

    On all 2**24 inputs, dcmcore's values are 1 off T.871's exact equations for
    318 (YBR->RGB) and 481 (RGB->YBR) inputs, on every machine (its kernels do
    not depend on the BLAS). pydicom's equal them where NumPy's float32 matrix
    product fuses multiply-adds (OpenBLAS on x86-64 with FMA); without FMA
    (measured with OPENBLAS_CORETYPE=Prescott) 42 and 859 of pydicom's values
    differ by 1, the only other outcome the docs allow.
    """
    import numpy as np
    from pydicom.pixels import convert_color_space as pydicom_convert

    from dcmcore.color import convert_color_space

    v = np.arange(2**24, dtype=np.uint32)
    every = np.stack([v >> 16, (v >> 8) & 255, v & 255], axis=-1).astype(np.uint8).reshape(4096, 4096, 3)
    del v
    off_exact, off_pydicom = {}, {}
    for current, desired in (("YBR_FULL", "RGB"), ("RGB", "YBR_FULL")):
        ours = convert_color_space(every, current, desired)
        exact = np.abs(ours.astype(np.int16) - _t871_exact(every, desired)).max(axis=-1)
        assert exact.max() == 1
        off_exact[desired] = int(np.count_nonzero(exact))
        del exact
        theirs = np.abs(ours.astype(np.int16) - pydicom_convert(every, current, desired)).max(axis=-1)
        assert theirs.max() <= 1
        off_pydicom[desired] = int(np.count_nonzero(theirs))
    assert off_exact == {"RGB": 318, "YBR_FULL": 481}
    assert off_pydicom in ({"RGB": 0, "YBR_FULL": 0}, {"RGB": 42, "YBR_FULL": 859})
    text = _doc("docs/transforms.md")
    assert "1 off T.871's equations computed exactly for 318 (YBR->RGB) and 481 (RGB->YBR) of the 2**24 inputs" in text
    assert "changes 42 (YBR->RGB) and 859 (RGB->YBR) of its values by 1" in text
    assert "bit for bit equal to pydicom's on all 2**24 inputs in both directions" in text


def test_performance_rle_md_encoded_sizes():
    """docs/performance_rle.md: the encoded sizes of the benchmark CT and of OBXXXX1A_rle.dcm."""
    from benchmarks import common_rle
    from dcmcore import PixelSpec, rle

    ct = common_rle.ct_volume(100)
    spec = PixelSpec(
        rows=512, columns=512, samples_per_pixel=1, bits_allocated=16, bits_stored=12,
        pixel_representation=0, photometric_interpretation="MONOCHROME2",
        transfer_syntax_uid=common_rle.RLE_UID,
    )
    sizes = {
        "raw": ct.nbytes,
        "dcmcore": sum(len(rle.encode_frame(f, spec)) for f in ct),
        "GDCM": sum(len(common_rle.gdcm_encode(f.tobytes(), spec)) for f in ct),
        "pylibjpeg-rle": sum(len(common_rle.pylibjpeg_encode(f.tobytes(), spec)) for f in ct),
    }
    ob_spec, ob_frames, ob_volume = common_rle.rle_case("OBXXXX1A_rle.dcm", 1)
    ob = {
        "raw": ob_volume[0].nbytes,
        "dcmcore": len(rle.encode_frame(ob_volume[0], ob_spec)),
        "GDCM": len(common_rle.gdcm_encode(ob_volume[0].tobytes(), ob_spec)),
        "pylibjpeg-rle": len(common_rle.pylibjpeg_encode(ob_volume[0].tobytes(), ob_spec)),
    }

    def row(label, d):
        return f"| {label} | " + " | ".join(f"{d[k]:,}".replace(",", " ") for k in ("raw", "dcmcore", "GDCM", "pylibjpeg-rle")) + " |"

    text = (ROOT / "docs/performance_rle.md").read_text()
    assert row("CT, 100 frames", sizes) in text
    assert row("OBXXXX1A_rle, 1 frame", ob) in text
    assert ob["dcmcore"] == len(ob_frames[0])  # "the same size as the frame in the file"
    # "The frames compress to 49 %" (the cached file is pylibjpeg-rle's encoding), OBXXXX1A "to 9 %"
    assert round(100 * sizes["pylibjpeg-rle"] / sizes["raw"]) == 49
    assert round(100 * ob["dcmcore"] / ob["raw"]) == 9
