"""The frozen specs the loader makes of exercises/, and the errors it reports."""

from dataclasses import dataclass
from pathlib import Path

from app.content.derive import Derivation
from app.content.question_kinds import HANDLERS, QuestionKind
from app.content.question_kinds.base import ChoiceSpec


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Text:
    ja: str
    en: str


@dataclass(frozen=True)
class LevelSpec:
    points: int
    descriptor: Text


@dataclass(frozen=True)
class CriterionSpec:
    slug: str
    title: Text
    levels: tuple[LevelSpec, ...]

    @property
    def max_points(self) -> int:
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class MaterialSpec:
    filename: str
    path: Path
    media_type: str
    is_simulated: bool


@dataclass(frozen=True)
class UnlockSpec:
    after: str | None
    when: str | None  # "submitted" or "accepted"
    days_after_start: int | None


@dataclass(frozen=True)
class EventSpec:
    title: Text
    body: Text


@dataclass(frozen=True)
class PersonaSpec:
    name: Text
    role: Text
    description: Text


@dataclass(frozen=True)
class SourceSpec:
    title: str
    url: str | None



@dataclass(frozen=True)
class SkillsSpec:
    talent_level: int  # Hokkaido's digital talent level the exercise trains for, 0-3
    dss_literacy: tuple[str, ...]
    dss_promotion: tuple[str, ...]


@dataclass(frozen=True)
class QuestionSpec:
    slug: str
    kind: QuestionKind
    prompt_ja: str
    prompt_en: str
    points: int
    answer: float | None
    tolerance: float
    unit: tuple[str, str] | None
    feedback: tuple[str, str] | None
    choices: tuple[ChoiceSpec, ...]
    derivation: Derivation | None

    @property
    def answer_key(self) -> dict:
        """What grading compares with; stored server-side only."""
        return HANDLERS[self.kind].answer_key(self)


@dataclass(frozen=True)
class ExerciseSpec:
    slug: str
    title: Text
    brief: Text
    is_required: bool
    criteria: tuple[CriterionSpec, ...]
    materials: tuple[MaterialSpec, ...]
    weight: float = 1.0
    pass_threshold: float = 0.6
    unlock: UnlockSpec | None = None
    event: EventSpec | None = None
    questions: tuple[QuestionSpec, ...] = ()
    # Shown to the cohort's mentors and to organizers, never to learners.
    mentor_pack: Text | None = None
    skills: SkillsSpec | None = None
    # The due date the schedule editor suggests: this many days after the cohort's start.
    suggested_offset_days: int | None = None
    # One submission per group (班) of the cohort, reviewed once for every member.
    is_group_deliverable: bool = False


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    title: Text
    summary: Text
    target_level: int
    estimated_hours: float
    objectives: tuple[Text, ...]
    exercises: tuple[ExerciseSpec, ...]
    content_hash: str
    personas: tuple[PersonaSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()

