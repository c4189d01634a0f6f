"""Question kinds: one registry of handlers, each owning its loading, grading, template and sample answers;
the kind column accepts exactly the kinds of the QuestionKind enum, on both engines."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.content.loader import load_all
from app.content.models import ModuleVersion, Question
from app.content.question_kinds import HANDLERS, QuestionKind, handler_for
from app.content.question_kinds.base import InvalidResponse
from app.content.services import sync_modules
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def synced(app):
    """The fixture module synced: its first exercise has questions of every kind."""
    sync_modules(db.session, load_all(FIXTURES)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow())
    db.session.commit()
    return db.session.scalar(select(ModuleVersion))


def test_every_kind_has_a_handler_whose_template_defines_its_macros(app):
    assert set(HANDLERS) == set(QuestionKind)
    for kind in QuestionKind:
        module = app.jinja_env.get_template(handler_for(kind).template).module
        assert callable(module.answer) and callable(module.invalid_message), kind


def test_an_unknown_kind_has_no_handler():
    with pytest.raises(ValueError):
        handler_for("essay")


def _question(exercise, kind: str, slug: str) -> Question:
    return Question(exercise=exercise, slug=slug, position=99, kind=kind, prompt_ja="？", prompt_en="?",
                    answer_key={"keys": ["a"]}, choices=[{"key": "a", "ja": "あ", "en": "A"}])


def test_the_database_stores_every_kind_and_reads_it_back_as_the_enum(app, make):
    exercise = make.module_version(exercises=1).exercises[0]
    for kind in QuestionKind:
        db.session.add(_question(exercise, kind.value, f"q-{kind}"))
    db.session.commit()
    db.session.expire_all()
    kinds = db.session.scalars(select(Question.kind).order_by(Question.slug)).all()
    assert sorted(kinds) == sorted(QuestionKind) and all(isinstance(k, QuestionKind) for k in kinds)


def test_the_database_refuses_a_kind_outside_the_enum(app, make):
    exercise = make.module_version(exercises=1).exercises[0]
    db.session.add(_question(exercise, "essay", "q-essay"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_each_kind_grades_its_own_right_sample_correct_and_the_wrong_one_not(synced):
    questions = synced.exercises[0].questions
    assert {q.kind for q in questions} == set(QuestionKind)
    for q in questions:
        right, wrong = q.handler.sample_answer(q, right=True), q.handler.sample_answer(q, right=False)
        assert q.handler.is_correct(q, q.handler.parse(q, right)), q.slug
        assert not q.handler.is_correct(q, q.handler.parse(q, wrong)), q.slug


@pytest.mark.parametrize("slug, values", [
    ("sardine-total", ["eight hundred"]), ("sardine-total", ["1e999"]),
    ("biggest-year", ["y2022", "y2024"]),  # two answers to a single-choice question
    ("biggest-year", ["y1999"]), ("dx-tools", ["qr", "nfc"]),
])
def test_input_a_kind_cannot_read_is_refused(synced, slug, values):
    question = next(q for q in synced.exercises[0].questions if q.slug == slug)
    with pytest.raises(InvalidResponse):
        question.handler.parse(question, values)


def test_the_exercise_page_shows_each_kind_through_its_template(app, make, login_as, synced):
    learner = make.user(Role.LEARNER)
    group = make.cohort(synced, learners=[learner])
    client = login_as(learner)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/cohorts/{group.id}/exercises/{synced.exercises[0].id}").get_data(as_text=True)
    by_slug = {q.slug: q for q in synced.exercises[0].questions}
    assert f'inputmode="decimal" id="q_{by_slug["sardine-total"].id}"' in page and "Your answer (t)" in page
    assert f'type="radio" id="q_{by_slug["biggest-year"].id}-y2024"' in page
    assert f'type="checkbox" id="q_{by_slug["dx-tools"].id}-qr"' in page
    assert page.count("Choose every answer that applies.") == 1
