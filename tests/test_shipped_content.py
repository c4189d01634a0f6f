"""The three scenario modules that ship under exercises/: valid, complete, and consistent with their data."""

import importlib.util

import pytest

from app.content.cli import DEFAULT_ROOT
from app.content.derive import evaluate
from app.content.loader import load_all
from app.content.questions import QuestionKind

MODULES = ("sorachi-agriculture", "kushiro-fisheries", "hokkaido-tourism")
PBL_STEPS = 5


@pytest.fixture(scope="module")
def shipped():
    specs, errors = load_all(DEFAULT_ROOT)
    assert [str(e) for e in errors] == []
    return {spec.slug: spec for spec in specs}


def test_the_three_modules_ship(shipped):
    assert sorted(shipped) == sorted(MODULES)


@pytest.mark.parametrize("slug", MODULES)
def test_module_follows_the_pbl_sequence_with_complete_metadata(shipped, slug):
    spec = shipped[slug]
    assert len([e for e in spec.exercises if e.is_required]) >= PBL_STEPS
    assert 0 <= spec.target_level <= 3 and spec.estimated_hours > 0
    assert len(spec.objectives) >= 3 and len(spec.personas) >= 3 and spec.sources
    for exercise in spec.exercises:
        assert 3 <= len(exercise.criteria) <= 5
        assert all(len(c.levels) == 4 for c in exercise.criteria)
    assert any(e.unlock and e.unlock.after for e in spec.exercises)
    assert any(e.unlock and e.unlock.days_after_start is not None for e in spec.exercises)
    assert any(e.event for e in spec.exercises)
    kinds = {q.kind for e in spec.exercises for q in e.questions}
    assert kinds == {QuestionKind.NUMERIC, QuestionKind.SINGLE, QuestionKind.MULTIPLE}
    assert any(m.filename.endswith(".csv") for e in spec.exercises for m in e.materials)


def _questions_with_data():
    specs, _ = load_all(DEFAULT_ROOT)
    return [pytest.param(spec.slug, exercise.slug, q, id=f"{spec.slug}/{exercise.slug}/{q.slug}")
            for spec in specs for exercise in spec.exercises for q in exercise.questions if q.derivation]


@pytest.mark.parametrize("module, exercise, question", _questions_with_data())
def test_answer_key_follows_from_the_shipped_csv(module, exercise, question):
    derived = evaluate(question.derivation, DEFAULT_ROOT / module / exercise)
    if question.kind == QuestionKind.NUMERIC:
        assert abs(derived - question.answer) <= question.tolerance + 1e-9
    else:
        assert derived == next(c.value for c in question.choices if c.is_correct)


def test_every_numeric_question_is_derived_from_data(shipped):
    numeric = [q for spec in shipped.values() for e in spec.exercises for q in e.questions
               if q.kind == QuestionKind.NUMERIC]
    assert numeric and all(q.derivation for q in numeric)


def test_generator_reproduces_every_shipped_data_set_byte_for_byte(tmp_path):
    spec = importlib.util.spec_from_file_location("enshu_generate", DEFAULT_ROOT / "_generator" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate_all(tmp_path)
    generated = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*.csv")}
    shipped_csv = {p.relative_to(DEFAULT_ROOT): p.read_bytes() for p in DEFAULT_ROOT.rglob("data/*.csv")}
    assert generated and generated.keys() == shipped_csv.keys()
    for path, data in generated.items():
        assert data == shipped_csv[path], f"{path} differs from what the generator writes"
        assert data.decode("utf-8").splitlines()[0]  # UTF-8 with a header line


def test_data_sets_are_labelled_simulated(shipped):
    for spec in shipped.values():
        for exercise in spec.exercises:
            if exercise.materials:
                assert all(m.is_simulated for m in exercise.materials if m.filename.endswith(".csv"))
                assert "模擬データ" in exercise.brief.ja


@pytest.mark.parametrize("slug", MODULES)
def test_module_can_be_taken_end_to_end(app, make, slug):
    """Sync the shipped content, then work through the module in order: answer its questions, submit,
    have each exercise accepted; the completion record and the badge follow."""
    from datetime import timedelta

    from sqlalchemy import select

    from app.auth.models import Role
    from app.autocheck.services import check_answers
    from app.badges.models import Credential
    from app.completions.models import CompletionRecord
    from app.content.models import Module, ModuleVersion
    from app.content.services import sync_modules
    from app.core.db import utcnow
    from app.core.storage import FileStorage
    from app.extensions import db
    from app.reviews.services import review_version
    from app.submissions.services import submit_version
    from app.submissions.unlocking import lock_for

    storage = FileStorage(app.config["STORAGE_DIR"])
    specs = [s for s in load_all(DEFAULT_ROOT)[0] if s.slug == slug]
    sync_modules(db.session, specs, storage, utcnow(), retire_missing=False)
    version = db.session.scalar(select(ModuleVersion).join(Module).where(Module.slug == slug))
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(version, learners=[learner], mentors=[mentor], started_days_ago=100, days_open=200)
    enrolment = make.enrolment(group, learner)
    now = utcnow()
    second = version.exercises[1]
    assert lock_for(db.session, enrolment, second, now) is not None  # the scenario unfolds in order
    for exercise in [e for e in version.exercises if e.is_required]:
        responses = {q.id: [str(q.answer_key["value"])] if q.kind == "numeric" else q.answer_key["keys"]
                     for q in exercise.questions}
        results, invalid = check_answers(db.session, enrolment=enrolment, exercise=exercise, responses=responses,
                                         now=now)
        assert all(results.values()) and not invalid, exercise.slug
        submitted = submit_version(db.session, enrolment=enrolment, exercise=exercise, body_md="回答です。",
                                   uploads=[], keep_attachment_ids=set(), storage=storage, now=now,
                                   max_answer_chars=1000, max_attachment_bytes=1000)
        review_version(db.session, version=submitted, mentor=mentor, decision="accepted",
                       points_by_criterion={c.id: c.max_points for c in exercise.criteria}, feedback_md="合格",
                       now=now)
        now += timedelta(minutes=1)
    db.session.commit()
    record = db.session.scalar(select(CompletionRecord))
    assert record is not None and record.score_percent == 100.0
    assert db.session.scalar(select(Credential.status)) == "issued"
