"""`flask content rerender`: stored HTML follows today's Markdown pipeline, not the one it was written with."""

import shutil
from pathlib import Path

import bleach
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text, update

from app.content.loader import load_all
from app.content.models import Exercise, ModuleVersion
from app.content.services import sync_modules
from app.core import markdown
from app.core.db import utcnow
from app.core.markdown import render_markdown, sanitise_html
from app.core.rerender import rendered_columns
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews.models import Review
from app.reviews.services import review_version
from app.submissions.models import SubmissionVersion
from app.submissions.services import submit_version
from tests.conftest import TEST_DATABASE_URL
from tests.databases import scratch_database
from tests.test_markdown import PAYLOADS

SHIPPED = Path(__file__).resolve().parents[1] / "exercises"
MINI_MODULE = Path(__file__).parent / "fixtures" / "content" / "mini-module"
# Every HTML column and the table that holds it, each written below from a source with **strong** text.
STORED_HTML = {
    "module_version": ("summary_ja_html", "summary_en_html"),
    "exercise": ("brief_ja_html", "brief_en_html", "event_ja_html", "event_en_html", "mentor_pack_ja_html",
                 "mentor_pack_en_html"),
    "submission_version": ("body_html",),
    "review": ("feedback_html",),
    # Issue 13: comments on passages, the discussion, and calibration references.
    "anchored_comment": ("body_html",),
    "discussion_message": ("body_html",),
    "calibration_reference": ("body_html",),
}


def _md(model, name: str, source: str) -> None:
    setattr(model, f"{name}_md", source)
    setattr(model, f"{name}_html", str(render_markdown(source)))


@pytest.fixture
def written(app, make):
    """A module version, an exercise with every text, two answers and a review: all with **strong**."""
    learner, mentor = make.user(), make.user(make.Role.MENTOR)
    version = make.module_version(exercises=2)
    _md(version, "summary_ja", "**概要**")
    _md(version, "summary_en", "**Summary**")
    exercise = version.exercises[0]
    for name, source in (("brief_ja", "**課題**"), ("brief_en", "**Task**"), ("event_ja", "**事件**"),
                         ("event_en", "**Event**"), ("mentor_pack_ja", "**模範**"), ("mentor_pack_en", "**Model**")):
        _md(exercise, name, source)
    exercise.event_title_ja, exercise.event_title_en = "出来事", "Event"
    group = make.cohort(version, learners=[learner], mentors=[mentor])
    versions = [submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=ex,
                               body_md=f"**回答** {ex.slug}", uploads=[], keep_attachment_ids=set(),
                               storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
                               max_answer_chars=10_000, max_attachment_bytes=10_000)
                for ex in version.exercises]
    review_version(db.session, version=versions[0], mentor=mentor, decision="returned",
                   points_by_criterion={c.id: 1 for c in exercise.criteria}, feedback_md="**もう一度**", now=utcnow())
    db.session.commit()
    return version


@pytest.fixture
def without_strong(monkeypatch):
    """Today's pipeline with `strong` taken off the allowlist."""
    cleaner = markdown._cleaner
    monkeypatch.setattr(markdown, "_cleaner", bleach.Cleaner(
        tags=markdown.ALLOWED_TAGS - {"strong"}, attributes=markdown.ALLOWED_ATTRIBUTES,
        protocols=markdown.ALLOWED_PROTOCOLS, strip=True, strip_comments=True, filters=cleaner.filters))


def _stored() -> dict[tuple[str, int, str], str | None]:
    """Every stored HTML by (table, row id, column), read afresh."""
    db.session.expire_all()
    html = {}
    for table, columns in rendered_columns(db.metadata).items():
        for row in db.session.execute(select(table)).mappings():
            html.update({(table.name, row["id"], c.html.name): row[c.html] for c in columns})
    return html


def _first(model) -> int:
    return db.session.scalar(select(model.id).order_by(model.id))


def test_every_stored_html_column_has_its_markdown_source_beside_it(app):
    found = rendered_columns(db.metadata)
    assert {t.name: tuple(c.html.name for c in cs) for t, cs in found.items()} == STORED_HTML
    assert all(c.source is not None and c.source.name == c.html.name.replace("_html", "_md")
               for columns in found.values() for c in columns)


@pytest.mark.parametrize("batch_size", [1, 500])
def test_a_narrower_allowlist_reaches_every_stored_html(runner, written, without_strong, batch_size):
    before = _stored()
    assert sum("<strong>" in (html or "") for html in before.values()) == 11

    result = runner.invoke(args=["content", "rerender", "--batch-size", str(batch_size)])

    assert result.exit_code == 0, result.output
    after = _stored()
    assert not any("<strong>" in (html or "") for html in after.values())
    assert after[("submission_version", _first(SubmissionVersion), "body_html")] == "<p>回答 ex-1</p>"
    assert after[("review", _first(Review), "feedback_html")] == "<p>もう一度</p>"
    assert after[("exercise", written.exercises[0].id, "mentor_pack_en_html")] == "<p>Model</p>"
    assert after[("module_version", written.id, "summary_ja_html")] == "<p>概要</p>"
    untouched = written.exercises[1].id  # its brief has no strong text, its event and mentor pack are empty
    assert [after[("exercise", untouched, c)] for c in STORED_HTML["exercise"]] == ["<h1>課題</h1>", "<h1>Task</h1>",
                                                                                     None, None, None, None]
    assert result.output.splitlines() == ["module_version: 1 of 1 row(s) re-rendered",
                                          "exercise: 1 of 2 row(s) re-rendered",
                                          "submission_version: 2 of 2 row(s) re-rendered",
                                          "review: 1 of 1 row(s) re-rendered"]


def test_a_second_run_changes_nothing(runner, written, without_strong):
    assert runner.invoke(args=["content", "rerender"]).exit_code == 0
    first = _stored()

    result = runner.invoke(args=["content", "rerender"])

    assert result.exit_code == 0
    assert _stored() == first
    assert all(line.split(": ")[1].startswith("0 of") for line in result.output.splitlines())


def test_a_dry_run_lists_what_would_change_and_writes_nothing(runner, written, without_strong):
    before = _stored()

    result = runner.invoke(args=["content", "rerender", "--dry-run"])

    assert result.exit_code == 0
    assert _stored() == before
    exercise = written.exercises[0].id
    assert f"exercise {exercise}: brief_ja_html, brief_en_html, event_ja_html, event_en_html, mentor_pack_ja_html, " \
           "mentor_pack_en_html" in result.output.splitlines()
    assert "submission_version: 2 of 2 row(s) would change" in result.output.splitlines()


def test_hostile_html_written_into_the_database_is_replaced_by_the_render_of_its_source(runner, written):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
    for model, column in ((SubmissionVersion, "body_html"), (Review, "feedback_html"), (Exercise, "brief_ja_html"),
                          (ModuleVersion, "summary_en_html")):
        db.session.execute(update(model).values({column: hostile}))
    db.session.commit()

    result = runner.invoke(args=["content", "rerender"])

    assert result.exit_code == 0
    after = _stored()
    assert not any("alert" in (html or "") for html in after.values())
    assert after[("submission_version", _first(SubmissionVersion), "body_html")] == "<p><strong>回答</strong> ex-1</p>"
    assert after[("review", _first(Review), "feedback_html")] == "<p><strong>もう一度</strong></p>"
    assert after[("exercise", written.exercises[1].id, "brief_ja_html")] == "<h1>課題</h1>"
    assert after[("module_version", written.id, "summary_en_html")] == "<p><strong>Summary</strong></p>"


def test_a_summary_without_its_source_is_sanitised_again(runner, written, without_strong):
    # As a module version synced before migration 0007 has it.
    db.session.execute(update(ModuleVersion).values(
        summary_ja_md=None, summary_ja_html='<p><strong>古い</strong>概要<script>alert(1)</script></p>'))
    db.session.commit()

    dry = runner.invoke(args=["content", "rerender", "--dry-run"])
    result = runner.invoke(args=["content", "rerender"])

    assert f"module_version {written.id}: summary_ja_html, summary_en_html (no Markdown source: re-sanitised)" \
        in dry.output.splitlines()
    assert "  1 row(s) without Markdown source, re-sanitised only" in result.output
    after = _stored()
    assert after[("module_version", written.id, "summary_ja_html")] == "<p>古い概要alert(1)</p>"
    assert after[("module_version", written.id, "summary_en_html")] == "<p>Summary</p>"


def test_sync_keeps_the_summary_source_and_records_it_for_a_version_synced_before_it_was_kept(app, tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(MINI_MODULE, root / MINI_MODULE.name)
    storage = FileStorage(app.config["STORAGE_DIR"])
    sync_modules(db.session, load_all(root)[0], storage, utcnow())
    version = db.session.scalar(select(ModuleVersion))
    assert (version.summary_ja_md, version.summary_en_md) == ("テストのための小さなモジュールです。",
                                                              "A small module for tests.")
    version.summary_ja_md = version.summary_en_md = None
    db.session.commit()

    sync_modules(db.session, load_all(root)[0], storage, utcnow())

    assert (version.summary_ja_md, version.summary_en_md) == ("テストのための小さなモジュールです。",
                                                              "A small module for tests.")


def test_sanitising_todays_render_again_changes_nothing():
    """So the HTML of a row without its source settles after one run, as every other row does."""
    texts = list(PAYLOADS)
    for module in load_all(SHIPPED)[0]:
        texts += [module.summary.ja, module.summary.en]
        texts += [text for ex in module.exercises for text in (ex.brief.ja, ex.brief.en)]
    assert [t for t in texts if sanitise_html(render_markdown(t)) != render_markdown(t)] == []


def test_migration_0007_adds_the_summary_sources_empty_and_keeps_the_html(app_with, tmp_path):
    with scratch_database(TEST_DATABASE_URL, tmp_path / "migrations.sqlite3", "enshu_rerender") as url:
        app_with(create_schema=False, SQLALCHEMY_DATABASE_URI=url)
        engine = db.engine
        upgrade(revision="0006")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO module (slug, created_at) VALUES ('m', CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO module_version (module_id, number, content_hash, title_ja, title_en, summary_ja_html, "
                "summary_en_html, objectives, personas, sources, target_level, estimated_hours, synced_at) "
                "SELECT id, 1, 'h', 't', 't', '<p>概要</p>', '<p>Summary</p>', '[]', '[]', '[]', 1, 2, "
                "CURRENT_TIMESTAMP FROM module"))
        upgrade(revision="0007")
        with engine.connect() as conn:
            row = conn.execute(text("SELECT summary_ja_md, summary_ja_html, summary_en_md, summary_en_html "
                                    "FROM module_version")).one()
        assert tuple(row) == (None, "<p>概要</p>", None, "<p>Summary</p>")
        downgrade(revision="0006")
        assert {"summary_ja_md", "summary_en_md"}.isdisjoint(
            c["name"] for c in inspect(engine).get_columns("module_version"))
        downgrade(revision="base")
        engine.dispose()
