"""Content-addressed file storage under a folder every app server sees.

An upload enters in two steps: `stage` writes it to a temporary file in the store's staging folder,
and `promote` moves it under its hash once the change that refers to it is accepted. A refused
upload is discarded from staging, so the store only holds what a row was about to point to; what a
crash or a rollback leaves behind is removed by `sweep`."""

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Files being written carry this prefix until they are complete (backups leave them out).
PARTIAL_PREFIX = ".upload-"
STAGING = ".staging"


@dataclass(frozen=True)
class StagedFile:
    content_hash: str
    size: int
    path: Path


@dataclass(frozen=True)
class SweepResult:
    removed_files: list[str]
    removed_temps: list[str]


class FileStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_for(self, content_hash: str) -> Path:
        if len(content_hash) != 64 or not all(c in "0123456789abcdef" for c in content_hash):
            raise ValueError("not a sha256 hex digest")
        return self.root / content_hash[:2] / content_hash[2:4] / content_hash

    def put_bytes(self, data: bytes) -> str:
        content_hash = hashlib.sha256(data).hexdigest()
        target = self.path_for(content_hash)
        if target.exists():
            os.utime(target)  # in use again: `sweep` must not take it
        else:
            with atomic_file(target) as f:
                f.write(data)
        return content_hash

    def stage(self, data: bytes) -> StagedFile:
        """Write `data` durably to a temporary file of the store; nothing is stored yet."""
        staging = self.root / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=staging, prefix=PARTIAL_PREFIX)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StagedFile(hashlib.sha256(data).hexdigest(), len(data), Path(tmp))

    def promote(self, staged: StagedFile) -> str:
        """Move a staged file under its hash (same file system, so atomic). A file already present
        is shared; touching it tells `sweep` it is in use again."""
        target = self.path_for(staged.content_hash)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            staged.path.unlink(missing_ok=True)
            os.utime(target)
        else:
            os.replace(staged.path, target)
        return staged.content_hash

    def discard(self, staged: list[StagedFile]) -> None:
        for item in staged:
            item.path.unlink(missing_ok=True)

    def read(self, content_hash: str) -> bytes:
        return self.path_for(content_hash).read_bytes()

    def sweep(self, referenced: set[str], min_age_seconds: float) -> SweepResult:
        """Remove stored files that no row refers to and temporary files, when older than
        `min_age_seconds`: a younger one may belong to a change that is being committed right now."""
        cutoff = time.time() - min_age_seconds
        removed_files, removed_temps = [], []
        for path in self.root.glob("??/??/*"):
            if path.name not in referenced and _remove_if_older(path, cutoff):
                removed_files.append(path.name)
        for path in (self.root / STAGING).glob(f"{PARTIAL_PREFIX}*"):
            if _remove_if_older(path, cutoff):
                removed_temps.append(path.name)
        return SweepResult(sorted(removed_files), sorted(removed_temps))


def _remove_if_older(path: Path, cutoff: float) -> bool:
    try:
        if path.stat().st_mtime >= cutoff:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


@contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A new file, readable by its owner only, that appears at `target` whole once the block ends
    without error, and not at all otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=PARTIAL_PREFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
