"""``dcmcore compress`` / ``decompress`` on files and folder trees.

Each file is read, converted, written to a temporary file beside its target
and renamed over it, so that a target is either the old file or the whole new
one. The input is never modified, unless the target is the input itself
(``--in-place``). A file that fails is reported and the batch goes on.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pydicom
from pydicom import uid as pydicom_uid

from dcmcore import uids
from dcmcore.write import compress, decompress
from dcmcore.write.files import save

__all__ = ["BatchResult", "convert_paths", "syntax_uid", "SHORT_NAMES"]

#: Short names accepted by ``--syntax`` besides UIDs and pydicom's keywords.
SHORT_NAMES = {
    "rle": pydicom_uid.RLELossless,
    "deflated": uids.DeflatedImageFrameCompression,
    "encapsulated": uids.EncapsulatedUncompressedExplicitVRLittleEndian,
    "jpeg": pydicom_uid.JPEGBaseline8Bit,
    "jpeg-lossless": pydicom_uid.JPEGLosslessSV1,
    "jpeg-ls": pydicom_uid.JPEGLSLossless,
    "jpeg-ls-near": pydicom_uid.JPEGLSNearLossless,
    "j2k": pydicom_uid.JPEG2000Lossless,
    "j2k-lossy": pydicom_uid.JPEG2000,
    "htj2k": pydicom_uid.HTJ2KLossless,
    "htj2k-lossy": pydicom_uid.HTJ2K,
    "jpeg-xl": uids.JPEGXLLossless,
}


def syntax_uid(name: str) -> str:
    """The Transfer Syntax UID for a short name, a pydicom keyword (``RLELossless``) or a UID."""
    key = name.strip()
    if key.lower() in SHORT_NAMES:
        return SHORT_NAMES[key.lower()]
    for module in (uids, pydicom_uid):
        value = getattr(module, key, None)
        if isinstance(value, str) and value[:1].isdigit():
            return value
    if key[:1].isdigit() and all(part.isdigit() for part in key.split(".")):
        return key
    raise ValueError(f"Unknown transfer syntax {name!r}: a UID, a pydicom keyword or one of {', '.join(SHORT_NAMES)}")


@dataclass
class BatchResult:
    """What a batch did: files converted, unchanged, failed (with why), and the bytes before and after."""

    converted: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    bytes_in: int = 0
    bytes_out: int = 0

    def summary(self) -> str:
        ratio = f", ratio {self.bytes_in / self.bytes_out:.2f}" if self.bytes_out else ""
        return (
            f"{len(self.converted)} converted, {len(self.unchanged)} unchanged, {len(self.failed)} failed; "
            f"{self.bytes_in:,} bytes in, {self.bytes_out:,} bytes out{ratio}"
        )


def _pairs(source: Path, target: Path | None) -> list[tuple[Path, Path]]:
    """(input, output) for a file or every file under a folder (the tree mirrored under `target`)."""
    if source.is_dir():
        files = sorted(p for p in source.rglob("*") if p.is_file())
        return [(p, (target / p.relative_to(source)) if target is not None else p) for p in files]
    if target is not None and target.is_dir():
        target = target / source.name
    return [(source, target if target is not None else source)]


def _write_atomically(ds: Any, target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fp:
            save(ds, fp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target.stat().st_size


def _one(source: Path, target: Path, operation: Callable[[Any], None]) -> tuple[str, int, int, str]:
    """('converted' | 'unchanged' | 'failed', bytes in, bytes out, message)."""
    size = source.stat().st_size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(source)
        try:
            operation(ds)
        except _Unchanged as exc:
            if target != source:
                _copy(source, target)
            return "unchanged", size, size, str(exc)
        return "converted", size, _write_atomically(ds, target), ""
    except Exception as exc:  # noqa: BLE001 - reported, and the batch goes on
        return "failed", size, 0, f"{type(exc).__name__}: {exc}"


class _Unchanged(Exception):
    """The file is already what was asked for."""


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        out.write(src.read())
    os.replace(tmp, target)


def convert_paths(
    source: str | os.PathLike,
    target: str | os.PathLike | None,
    *,
    syntax: str | None = None,
    workers: int = 1,
    progress: bool = True,
    report: Callable[[str], None] | None = None,
    **options: Any,
) -> BatchResult:
    """Compress (`syntax` given) or decompress a file or a folder tree into `target` (None: in place).

    `options` go to :func:`dcmcore.compress` or :func:`dcmcore.decompress`.
    Files are converted `workers` at a time; a single file is converted with
    `workers` threads instead.
    """
    src = Path(source)
    if not src.exists():
        raise FileNotFoundError(f"{src} does not exist")
    dst = None if target is None else Path(target)
    pairs = _pairs(src, dst)
    single = len(pairs) == 1

    def operation(ds: Any) -> None:
        each = workers if single else 1
        current = str(ds.file_meta.get("TransferSyntaxUID", ""))
        if syntax is None:
            if current in uids.NATIVE_TRANSFER_SYNTAXES:
                raise _Unchanged("already uncompressed")
            decompress(ds, workers=each, **options)
        else:
            if current == str(syntax):
                raise _Unchanged("already in that transfer syntax")
            if current not in uids.NATIVE_TRANSFER_SYNTAXES:
                decompress(ds, workers=each, as_rgb=False)
            compress(ds, syntax, workers=each, **options)

    result = BatchResult()
    bar = _bar(len(pairs), progress and not single)
    with ThreadPoolExecutor(max_workers=1 if single else max(1, workers)) as pool:
        for (source_path, target_path), (status, size_in, size_out, message) in zip(
            pairs, pool.map(lambda p: _one(p[0], p[1], operation), pairs)
        ):
            result.bytes_in += size_in
            result.bytes_out += size_out if status != "failed" else 0
            if status == "failed":
                result.bytes_in -= size_in
                result.failed.append((source_path, message))
                if report is not None:
                    report(f"FAILED {source_path}: {message}")
            else:
                (result.converted if status == "converted" else result.unchanged).append(target_path)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return result


def _bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="file", desc="dcmcore", leave=False)

