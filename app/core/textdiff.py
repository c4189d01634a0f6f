"""Line diffs of plain text, shown to mentors (answer versions) and organizers (content versions)."""

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "added", "removed" or "same"
    text: str


_KINDS = {"+ ": "added", "- ": "removed", "  ": "same"}


def line_diff(previous: str, current: str) -> list[DiffLine]:
    return [DiffLine(_KINDS[line[:2]], line[2:]) for line in difflib.ndiff(previous.splitlines(), current.splitlines())
            if line[:2] in _KINDS]
