"""Baked badge PNGs, each made once and kept under STORAGE_DIR/baked, a folder every app server mounts.

Drawing a badge and baking a credential into it take some 30 ms of Pillow's time; a download is served
from the file instead. A file is named by the sha256 of everything it is made from (the baked text,
the keyword and the picture's inputs), so it never goes stale and nothing has to remove it when a
credential is revoked or a key changes: a different input is a different file. The folder can be
emptied at any time; images are made again when asked for. (SVGs are not kept: building one is a
string concatenation, cheaper than reading a file.)"""

import hashlib
import json
from pathlib import Path

from app.badges import baking, images
from app.core.storage import FileStorage, atomic_file

# Part of every file's name: raise it when images.py draws or baking.py bakes differently, so that
# images made by the old code are no longer found.
RECIPE_VERSION = 2


def bake_png(*, text: str, keyword: str, level: int, seed: str, label: str) -> bytes:
    """The badge picture of an achievement with `text` baked in under `keyword`."""
    return baking.bake_png(images.badge_png(level=level, seed=seed, label=label), text, keyword)


class BakedImages:
    def __init__(self, storage_dir: str | Path):
        self.store = FileStorage(Path(storage_dir) / "baked")

    def png(self, *, text: str, keyword: str, level: int, seed: str, label: str) -> bytes:
        """bake_png's answer for these inputs: read from its file, or made and filed once."""
        inputs = {"text": text, "keyword": keyword, "level": level, "seed": seed, "label": label}
        name = hashlib.sha256(json.dumps({"version": RECIPE_VERSION, **inputs}, sort_keys=True).encode()).hexdigest()
        path = self.store.path_for(name)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        data = bake_png(**inputs)
        # Two servers making the same image at once write the same bytes; the later rename wins whole.
        with atomic_file(path) as f:
            f.write(data)
        return data
