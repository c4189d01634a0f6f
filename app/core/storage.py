"""Content-addressed file storage under a folder every app server sees."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO


class FileTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"file larger than {limit} bytes")
        self.limit = limit


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
            self._write_atomically(target, data)
        return content_hash

    def put_stream(self, stream: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Store a stream, refusing it once it passes `max_bytes`. Returns (hash, size)."""
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise FileTooLarge(max_bytes)
        return self.put_bytes(data), len(data)

    def read(self, content_hash: str) -> bytes:
        return self.path_for(content_hash).read_bytes()

    def _write_atomically(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
