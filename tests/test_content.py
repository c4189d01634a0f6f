"""Content as code: validate names file and line; sync is idempotent and versions changed content."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.loader import load_all, load_module
from app.content.models import Module, ModuleVersion
from app.content.services import SyncAction, sync_modules
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db

FIXTURES = Path(__file__).parent / "fixtures" / "content"
SAMPLE = FIXTURES / "mini-module"


@pytest.fixture
def content(tmp_path) -> Path:
    """A private copy of the fixture module that a test may break."""
    root = tmp_path / "exercises"
    shutil.copytree(SAMPLE, root / SAMPLE.name)
    return root


def _errors(root: Path) -> list[str]:
    return [str(e) for e in load_all(root)[1]]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_module_is_valid_and_complete(content):
    specs, errors = load_all(content)
    assert errors == []
    spec = specs[0]
    first, second = spec.exercises
    assert [q.kind for q in first.questions] == ["numeric", "numeric", "numeric", "single", "multiple"]
    assert second.unlock.after == "01-look" and second.unlock.when == "accepted"
    assert second.event.title.ja == "記録的な不漁" and second.weight == 2 and second.pass_threshold == 0.7
    assert spec.personas[0].name.en == "Yamada (fictional)" and spec.sources[0].url.startswith("https://")


MOD = "mini-module"


@pytest.mark.parametrize("path, old, new, expected", [
    # not valid TOML, with the line
    ("module.toml", "target_level = 1", "target_level = = 1", f"{MOD}/module.toml:3: not valid TOML"),
    # missing translation
    ("module.toml", 'title = { ja = "テスト用モジュール", en = "Test module" }', 'title = { ja = "テスト用モジュール" }',
     f"{MOD}/module.toml:1: 'title' is missing its en text (translation)"),
    ("01-look/questions.toml", 'prompt = { ja = "空欄は何件ですか。", en = "How many cells are empty?" }',
     'prompt = { ja = "空欄は何件ですか。" }', f"{MOD}/01-look/questions.toml:19: question 'missing': 'prompt' needs both ja and en"),
    # unknown unlock target
    ("02-plan/exercise.toml", 'after = "01-look"', 'after = "00-nowhere"',
     f'{MOD}/02-plan/exercise.toml:6: [unlock] after = "00-nowhere" is not an exercise listed before this one'),
    ("02-plan/exercise.toml", 'when = "accepted"', 'when = "someday"', f"{MOD}/02-plan/exercise.toml:5: [unlock] 'after' needs"),
    # rubric level without descriptor
    ("01-look/rubric.toml", '{ points = 1, ja = "少し", en = "Some" }', '{ points = 1, ja = "少し" }',
     f"{MOD}/01-look/rubric.toml:6: criterion 'evidence', level 1 points: descriptor missing in en"),
    ("01-look/rubric.toml", "points = 3", "points = 2", "level points must be distinct"),
    # answers that do not follow from the data
    ("01-look/questions.toml", "answer = 800", "answer = 801",
     f"{MOD}/01-look/questions.toml:2: question 'sardine-total': answer 801 does not follow from the data (derived: 800.0"),
    ("01-look/questions.toml", 'value = "2024", correct = true', 'value = "2023", correct = true',
     "question 'biggest-year': the correct choice '2023' does not follow from the data (derived: 2024)"),
    ("01-look/questions.toml", 'column = "水揚量_t", aggregate = "count_missing"', 'column = "漁獲", aggregate = "count_missing"',
     "question 'missing': the answer cannot be derived from the data: data/catch.csv has no column '漁獲'"),
    ("01-look/questions.toml", 'derive = { file = "data/catch.csv", column = "水揚量_t", aggregate = "sum", where = { "魚種" = "いわし" } }',
     "", "question 'sardine-total': a numeric question needs 'derive'"),
    ("01-look/questions.toml", 'file = "data/catch.csv", column = "水揚量_t", aggregate = "mean"',
     'file = "data/gone.csv", column = "水揚量_t", aggregate = "mean"', "data file data/gone.csv does not exist"),
    # a kind the registry does not know; 'derive' on a kind that cannot use it
    ("01-look/questions.toml", 'kind = "numeric"', 'kind = "essay"',
     f"{MOD}/01-look/questions.toml:2: question 'sardine-total': 'kind' must be numeric, single or multiple"),
    ("01-look/questions.toml", 'kind = "multiple"',
     'kind = "multiple"\nderive = { file = "data/catch.csv", column = "水揚量_t", aggregate = "argmax", by = "年" }',
     "question 'dx-tools': 'derive' is only for numeric and single-choice questions"),
    # broken link to a material
    ("01-look/brief.en.md", "(data/catch.csv)", "(data/katch.csv)",
     f"{MOD}/01-look/brief.en.md:2: link to a material that does not exist: data/katch.csv"),
])
def test_each_broken_rule_names_file_line_and_problem(content, path, old, new, expected):
    _edit(content / MOD / path, old, new)
    errors = _errors(content)
    assert any(expected in e for e in errors), errors


@pytest.mark.parametrize("path, old, new, expected", [
    ("mentor.ja.md", "## 判断が分かれる点\n空欄を0とみなすかどうか。除外して理由を書けばよい。\n\n", "",
     f"{MOD}/01-look/mentor.ja.md: section '## 判断が分かれる点' is missing"),
    ("mentor.en.md", "## Judgement calls", "## Judgment calls",
     f"{MOD}/01-look/mentor.en.md:13: section '## Judgment calls' is not one of a mentor pack's"),
    ("mentor.en.md", "Saury down 60 %.", "", f"{MOD}/01-look/mentor.en.md:10: section 'Figures a good answer arrives at' is empty"),
    ("mentor.ja.md", "### 分かりやすさ", "### 読みやすさ",
     f"{MOD}/01-look/mentor.ja.md:20: scoring note '### 読みやすさ' names no criterion of rubric.toml"),
    ("mentor.en.md", "### Feasibility\nTwo points when the next data to check are named.\n", "",
     f"{MOD}/01-look/mentor.en.md: no scoring note for the rubric criterion 'Feasibility' (add '### Feasibility')"),
])
def test_broken_mentor_pack_names_file_line_and_problem(content, path, old, new, expected):
    _edit(content / MOD / "01-look" / path, old, new)
    errors = _errors(content)
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize("old, new, expected", [
    ("talent_level = 1", "talent_level = 5", "01-look/exercise.toml:6: [skills] 'talent_level' must be a talent level from 0 to 3"),
    ('"What：データを読む・説明する"', '"データを読む"',
     "01-look/exercise.toml:7: [skills] 'データを読む' is not a DX Literacy Standard area"),
    ('"ビジネスアーキテクト（社内業務の高度化・効率化）"', '"プロジェクトマネージャー"',
     "01-look/exercise.toml:8: [skills] 'プロジェクトマネージャー' does not start with a DX Promotion Skill Standard talent type"),
])
def test_broken_skills_name_file_line_and_problem(content, old, new, expected):
    _edit(content / MOD / "01-look" / "exercise.toml", old, new)
    assert any(e.startswith(f"{MOD}/{expected}") for e in _errors(content)), _errors(content)


def test_mentor_pack_needs_both_languages(content):
    (content / MOD / "01-look" / "mentor.en.md").unlink()
    assert _errors(content) == [f"{MOD}/01-look/mentor.en.md: the mentor in en is missing (translation)"]


def test_sync_keeps_the_mentor_pack_with_the_version(app, content):
    sync_modules(db.session, load_all(content)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow())
    first, second = db.session.scalar(select(ModuleVersion)).exercises
    assert "<h2>解答例（標準）</h2>" in first.mentor_pack_html("ja")
    assert "Saury down 60 %." in first.mentor_pack_html("en") and "Saury down 60 %." in first.mentor_pack_en_md
    assert second.mentor_pack_html("ja") is None
    assert first.skills == {"talent_level": 1, "dss_literacy": ["What：データを読む・説明する"],
                            "dss_promotion": ["ビジネスアーキテクト（社内業務の高度化・効率化）"]}
    assert second.skills is None


def test_event_without_its_text_is_reported(content):
    (content / MOD / "02-plan" / "event.en.md").unlink()
    assert f"{MOD}/02-plan/event.en.md: the event in en is missing (translation)" in _errors(content)


def test_missing_brief_and_unknown_exercise_are_reported(content):
    (content / MOD / "01-look" / "brief.en.md").unlink()
    _edit(content / MOD / "module.toml", '"02-plan"]', '"02-plan", "03-missing"]')
    errors = _errors(content)
    assert f"{MOD}/01-look/brief.en.md: the brief in en is missing (translation)" in errors
    assert any("exercise folder '03-missing' does not exist" in e for e in errors)


def test_too_few_criteria_are_reported(content):
    (content / MOD / "02-plan" / "rubric.toml").write_text(
        '[[criteria]]\nslug = "only"\ntitle = { ja = "唯一", en = "Only" }\n'
        'levels = [{ points = 0, ja = "a", en = "a" }, { points = 1, ja = "b", en = "b" }]\n', encoding="utf-8")
    assert f"{MOD}/02-plan/rubric.toml:1: a rubric needs 3 to 5 [[criteria]]" in _errors(content)


def test_validate_cli_exit_status(runner, content):
    assert runner.invoke(args=["content", "validate", str(content)]).exit_code == 0
    (content / MOD / "02-plan" / "brief.ja.md").write_text("", encoding="utf-8")
    result = runner.invoke(args=["content", "validate", str(content)])
    assert result.exit_code == 1 and "02-plan/brief.ja.md: the brief is empty" in result.output


def test_sync_is_idempotent_and_versions_changed_content(app, content, make):
    storage = FileStorage(app.config["STORAGE_DIR"])
    specs, _ = load_all(content)
    assert [r.action for r in sync_modules(db.session, specs, storage, utcnow())] == [SyncAction.CREATED]
    db.session.commit()
    assert [r.action for r in sync_modules(db.session, load_all(content)[0], storage, utcnow())] == [SyncAction.UNCHANGED]
    first = db.session.scalar(select(ModuleVersion))
    group = make.cohort(first)

    brief = content / MOD / "01-look" / "brief.ja.md"
    brief.write_text(brief.read_text(encoding="utf-8") + "\n追記しました。\n", encoding="utf-8")
    results = sync_modules(db.session, load_all(content)[0], storage, utcnow())
    db.session.commit()
    assert [(r.action, r.version) for r in results] == [(SyncAction.NEW_VERSION, 2)]
    assert db.session.scalar(select(func.count(ModuleVersion.id))) == 2
    db.session.expire_all()
    assert group.module_version.number == 1  # the running cohort keeps its pinned version
    assert "追記しました" not in group.module_version.exercises[0].brief_ja_md


def test_sync_retires_removed_modules_and_keeps_their_versions(app, content):
    storage = FileStorage(app.config["STORAGE_DIR"])
    sync_modules(db.session, load_all(content)[0], storage, utcnow())
    results = sync_modules(db.session, [], storage, utcnow())
    assert [r.action for r in results] == [SyncAction.RETIRED]
    assert db.session.scalar(select(Module)).retired_at is not None
    assert db.session.scalar(select(func.count(ModuleVersion.id))) == 1


def test_sync_cli_refuses_invalid_content(runner, content):
    (content / MOD / "module.toml").write_text("broken = [", encoding="utf-8")
    result = runner.invoke(args=["content", "sync", str(content)])
    assert result.exit_code == 1 and "Nothing was synced" in result.output
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_materials_are_stored_and_marked_simulated(app, content):
    sync_modules(db.session, load_all(content)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow())
    exercise = db.session.scalar(select(ModuleVersion)).exercises[0]
    material = exercise.materials[0]
    assert material.filename == "catch.csv" and material.is_simulated
    assert FileStorage(app.config["STORAGE_DIR"]).read(material.content_hash) == \
        (SAMPLE / "01-look" / "data" / "catch.csv").read_bytes()


def test_load_module_reports_bad_folder_name(tmp_path):
    folder = tmp_path / "Bad_Name"
    folder.mkdir()
    spec, errors = load_module(folder)
    assert spec is None and any("lowercase letters" in str(e) for e in errors)
