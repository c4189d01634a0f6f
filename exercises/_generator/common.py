"""Helpers shared by the module generators: seeded randomness and byte-stable CSV output."""

import csv
import io
import random
from pathlib import Path


def rng(module_slug: str, seed: int = 20260401) -> random.Random:
    """A generator of its own per module, so adding data to one module never changes another's."""
    return random.Random(f"{module_slug}:{seed}")


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """UTF-8 with a BOM (so that Japanese Excel opens it correctly on a double click), LF line endings,
    None written as an empty cell. The same rows always give the same bytes."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
