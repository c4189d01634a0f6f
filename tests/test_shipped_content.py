"""The three scenario modules that ship under exercises/: valid, complete, and consistent with their data."""

import importlib.util
from pathlib import Path

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
