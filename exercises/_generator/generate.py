"""Write every simulated data set (模擬データ) under exercises/.

    python exercises/_generator/generate.py [OUTPUT_ROOT]

Deterministic: the same code writes the same bytes, so `git diff` after a run shows only intended
changes, and a test regenerates everything into a temporary folder and compares."""

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE_GENERATORS = ("sorachi", "kushiro", "tourism", "basics")


def generate_all(out_root: Path) -> None:
    sys.path.insert(0, str(HERE))
    try:
        for name in MODULE_GENERATORS:
            importlib.import_module(name).generate(out_root)
    finally:
        sys.path.remove(str(HERE))


if __name__ == "__main__":
    generate_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent)
