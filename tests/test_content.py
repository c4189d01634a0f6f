"""Content as code: validate names file and line; sync is idempotent and versions changed content."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.content.cli import DEFAULT_ROOT
from app.content.loader import load_all, load_module
from app.content.models import Module, ModuleVersion
from app.content.services import SyncAction, sync_modules
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db

SAMPLE = DEFAULT_ROOT / "sorachi-agri-intro"


@pytest.fixture
def content(tmp_path) -> Path:
    """A private copy of the shipped module that a test may break."""
    root = tmp_path / "exercises"
    shutil.copytree(SAMPLE, root / SAMPLE.name)
    return root


def test_shipped_content_is_valid():
    specs, errors = load_all(DEFAULT_ROOT)
    assert errors == []
    assert specs and all(len(ex.criteria) >= 3 for spec in specs for ex in spec.exercises)


def _errors(root: Path) -> list[str]:
    return [str(e) for e in load_all(root)[1]]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_invalid_toml_names_file_and_line(content):
    (content / SAMPLE.name / "module.toml").write_text('title = { ja = "x", en = "y" }\ntarget_level = = 1\n')
    assert any(e.startswith("sorachi-agri-intro/module.toml:2: not valid TOML") for e in _errors(content))


def test_missing_translation_is_reported(content):
    module_toml = content / SAMPLE.name / "module.toml"
    text = module_toml.read_text(encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if l.startswith("title"))
    lines = text.splitlines()
    lines[line - 1] = 'title = { ja = "空知" }'
    module_toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f"sorachi-agri-intro/module.toml:{line}: 'title' is missing its en text (translation)" in _errors(content)


def test_missing_brief_and_unknown_exercise_are_reported(content):
    (content / SAMPLE.name / "01-current-state" / "brief.en.md").unlink()
    _edit(content / SAMPLE.name / "module.toml", '"03-proposal"', '"03-proposal", "04-missing"')
    errors = _errors(content)
    assert "sorachi-agri-intro/01-current-state/brief.en.md: the brief in en is missing (translation)" in errors
    assert any("exercise folder '04-missing' does not exist" in e for e in errors)


def test_rubric_problems_are_reported(content):
    rubric = content / SAMPLE.name / "02-issue-setting" / "rubric.toml"
    _edit(rubric, "points = 3", "points = 2")
    errors = _errors(content)
    assert any(e.startswith("sorachi-agri-intro/02-issue-setting/rubric.toml") and "distinct" in e for e in errors)


def test_too_few_criteria_are_reported(content):
    rubric = content / SAMPLE.name / "03-proposal" / "rubric.toml"
    rubric.write_text('[[criteria]]\nslug = "only"\ntitle = { ja = "唯一", en = "Only" }\n'
                      'levels = [{ points = 0, ja = "a", en = "a" }, { points = 1, ja = "b", en = "b" }]\n',
                      encoding="utf-8")
    assert "sorachi-agri-intro/03-proposal/rubric.toml:1: a rubric needs 3 to 5 [[criteria]]" in _errors(content)


def test_broken_material_link_is_reported(content):
    brief = content / SAMPLE.name / "01-current-state" / "brief.ja.md"
    brief.write_text(brief.read_text(encoding="utf-8") + "\n[資料](data/nothing.csv)\n", encoding="utf-8")
    assert any("link to a material that does not exist: data/nothing.csv" in e for e in _errors(content))


def test_validate_cli_exit_status(runner, content):
    assert runner.invoke(args=["content", "validate", str(content)]).exit_code == 0
    (content / SAMPLE.name / "03-proposal" / "brief.ja.md").write_text("", encoding="utf-8")
    result = runner.invoke(args=["content", "validate", str(content)])
    assert result.exit_code == 1 and "03-proposal/brief.ja.md: the brief is empty" in result.output


def test_sync_is_idempotent_and_versions_changed_content(app, content, make):
    storage = FileStorage(app.config["STORAGE_DIR"])
    specs, _ = load_all(content)
    assert [r.action for r in sync_modules(db.session, specs, storage, utcnow())] == [SyncAction.CREATED]
    db.session.commit()
    assert [r.action for r in sync_modules(db.session, load_all(content)[0], storage, utcnow())] == [SyncAction.UNCHANGED]
    first = db.session.scalar(select(ModuleVersion))
    group = make.cohort(first)

    brief = content / SAMPLE.name / "01-current-state" / "brief.ja.md"
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
    (content / SAMPLE.name / "module.toml").write_text("broken = [", encoding="utf-8")
    result = runner.invoke(args=["content", "sync", str(content)])
    assert result.exit_code == 1 and "Nothing was synced" in result.output
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_materials_are_stored_and_marked_simulated(app, content):
    sync_modules(db.session, load_all(content)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow())
    exercise = db.session.scalar(select(ModuleVersion)).exercises[0]
    material = exercise.materials[0]
    assert material.filename == "farm_households.csv" and material.is_simulated
    assert FileStorage(app.config["STORAGE_DIR"]).read(material.content_hash) == \
        (SAMPLE / "01-current-state" / "data" / "farm_households.csv").read_bytes()


def test_load_module_reports_bad_folder_name(tmp_path):
    folder = tmp_path / "Bad_Name"
    folder.mkdir()
    spec, errors = load_module(folder)
    assert spec is None and any("lowercase letters" in str(e) for e in errors)
