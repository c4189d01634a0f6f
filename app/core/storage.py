"""Content-addressed file storage under a folder every app server sees."""

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# Files being written carry this prefix until they are complete (backups leave them out).
PARTIAL_PREFIX = ".upload-"


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
        if not target.exists():
            with atomic_file(target) as f:
                f.write(data)
        return content_hash

    def read(self, content_hash: str) -> bytes:
        return self.path_for(content_hash).read_bytes()


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
