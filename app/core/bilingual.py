"""Per-locale accessors over pairs of `…_ja` / `…_en` columns."""

from collections.abc import Callable
from typing import Any


class Bilingual:
    """`title = Bilingual("title_{}")` in a model gives `obj.title(locale)`, which reads `title_en` for
    English and `title_ja` for any other locale: Japanese is the default, and content always has it."""

    def __init__(self, pattern: str):
        self.ja, self.en = pattern.format("ja"), pattern.format("en")

    def __get__(self, obj: Any, owner: type | None = None) -> Callable[[str], Any]:
        if obj is None:
            return self
        return lambda locale: getattr(obj, self.en if locale == "en" else self.ja)
