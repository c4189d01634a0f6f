"""Recompute a question's answer from a shipped CSV, so content and data cannot drift apart."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

AGGREGATES = ("sum", "mean", "min", "max", "count", "count_missing", "argmax", "argmin")


class DeriveError(Exception):
    pass


@dataclass(frozen=True)
class Derivation:
    file: str
    column: str
    aggregate: str
    where: tuple[tuple[str, str], ...] = ()
    by: str | None = None


def _number(cell: str) -> float | None:
    text = (cell or "").strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def evaluate(derivation: Derivation, exercise_folder: Path) -> float | str:
    """The value `derivation` describes, computed from the CSV. Raises DeriveError."""
    path = exercise_folder / derivation.file
    if not path.is_file():
        raise DeriveError(f"data file {derivation.file} does not exist")
    rows = read_rows(path)
    header = set(rows[0].keys()) if rows else set()
    for column in [derivation.column, derivation.by] + [k for k, _ in derivation.where]:
        if column is not None and column not in header:
            raise DeriveError(f"{derivation.file} has no column '{column}'")
    matching = [r for r in rows if all((r.get(k) or "").strip() == v for k, v in derivation.where)]
    if derivation.aggregate == "count":
        return float(len(matching))
    if derivation.aggregate == "count_missing":
        return float(sum(1 for r in matching if not (r.get(derivation.column) or "").strip()))
    numbered = [(r, _number(r.get(derivation.column, ""))) for r in matching]
    numbered = [(r, n) for r, n in numbered if n is not None]
    if not numbered:
        raise DeriveError(f"no numeric values of '{derivation.column}' in the matching rows of {derivation.file}")
    values = [n for _, n in numbered]
    if derivation.aggregate == "sum":
        return sum(values)
    if derivation.aggregate == "mean":
        return sum(values) / len(values)
    if derivation.aggregate == "min":
        return min(values)
    if derivation.aggregate == "max":
        return max(values)
    if derivation.by is None:
        raise DeriveError(f"aggregate '{derivation.aggregate}' needs 'by'")
    pick = max if derivation.aggregate == "argmax" else min
    best = pick(numbered, key=lambda pair: pair[1])
    winners = [r for r, n in numbered if n == best[1]]
    if len({(r.get(derivation.by) or "").strip() for r in winners}) > 1:
        raise DeriveError(f"'{derivation.aggregate}' is a tie in {derivation.file}: the answer is ambiguous")
    return (best[0].get(derivation.by) or "").strip()
