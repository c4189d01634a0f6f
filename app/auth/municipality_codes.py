"""Finding a municipality from what a person typed or a spreadsheet left of it: its JIS X 0402 code
(全国地方公共団体コード, five digits and a check digit), the code after Excel dropped its leading zero
(12106 for 012106) or its check digit (01210), or its name with or without 市, 町 or 村."""

import re
import unicodedata
from dataclasses import dataclass

from app.auth.models import Organization

# Weights of the five digits in the check digit of a local government code.
_WEIGHTS = (6, 5, 4, 3, 2)
_SUFFIXES = ("市", "町", "村")
_EN_SUFFIX = re.compile(r"[-\s](shi|cho|machi|mura|son)$")


def check_digit(five_digits: str) -> str:
    """The check digit of a five-digit local government code: 11 minus the remainder of the weighted sum
    divided by 11, last digit only (so 10 gives 0 and 11 gives 1)."""
    if len(five_digits) != 5 or not five_digits.isdigit():
        raise ValueError(five_digits)
    total = sum(int(d) * w for d, w in zip(five_digits, _WEIGHTS))
    return str((11 - total % 11) % 10)


def has_valid_check_digit(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and check_digit(code[:5]) == code[5]


def candidate_codes(digits: str) -> list[str]:
    """Full codes a string of digits may stand for: itself, itself with the leading zeros Excel dropped,
    and itself with its check digit added (after restoring zeros)."""
    candidates = []
    if len(digits) <= 6 and has_valid_check_digit(digits.zfill(6)):
        candidates.append(digits.zfill(6))
    if len(digits) <= 5:
        five = digits.zfill(5)
        candidates.append(five + check_digit(five))
    return list(dict.fromkeys(candidates))


def _normalize(text: str) -> str:
    # Full-width digits and letters from Japanese input, spaces anywhere, and a leading 北海道.
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    return text.removeprefix("北海道")


def _short(name: str) -> str:
    return name[:-1] if len(name) > 1 and name.endswith(_SUFFIXES) else name


@dataclass(frozen=True)
class Found:
    organization: Organization | None
    # None when found; otherwise unknown_municipality_code, unknown_municipality_name or ambiguous_municipality
    problem: str | None = None
    # The municipalities a name could mean, when it is ambiguous.
    choices: tuple[Organization, ...] = ()


class MunicipalityDirectory:
    """Every municipality, looked up by code or name without further queries."""

    def __init__(self, municipalities: list[Organization]):
        self._by_code = {m.code: m for m in municipalities if m.code}
        self._by_name: dict[str, list[Organization]] = {}
        for m in municipalities:
            keys = {_normalize(m.name_ja), _short(_normalize(m.name_ja)), m.name_en.casefold(),
                    _EN_SUFFIX.sub("", m.name_en.casefold())}
            for key in keys:
                self._by_name.setdefault(key, []).append(m)

    def find(self, text: str) -> Found:
        value = _normalize(text)
        if value.isdigit():
            found = {self._by_code[c].id: self._by_code[c] for c in candidate_codes(value) if c in self._by_code}
            if len(found) == 1:
                return Found(next(iter(found.values())))
            if found:
                return Found(None, "ambiguous_municipality", tuple(found.values()))
            return Found(None, "unknown_municipality_code")
        matches = (self._by_name.get(value) or self._by_name.get(_short(value))
                   or self._by_name.get(value.casefold()) or self._by_name.get(_EN_SUFFIX.sub("", value.casefold()))
                   or [])
        unique = list({m.id: m for m in matches}.values())
        if len(unique) == 1:
            return Found(unique[0])
        if unique:
            return Found(None, "ambiguous_municipality", tuple(unique))
        return Found(None, "unknown_municipality_name")
