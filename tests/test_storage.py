"""Uploaded files enter the store only with an accepted submit; `flask storage sweep` removes the rest."""

import hashlib
import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.content.models import Material
from app.core.storage import STAGING, FileStorage
from app.extensions import db
from app.submissions.models import Attachment, DraftAttachment, SubmissionVersion

PDF = b"%PDF-1.4\n" + b"1" * 300
CSV = "区分,件数\n窓口,12\n".encode()


def _stored(storage_dir) -> set[str]:
    return {p.name for p in Path(storage_dir).glob("??/??/*")}


def _staged(storage_dir) -> set[str]:
    return {p.name for p in (Path(storage_dir) / STAGING).glob("*")}


@pytest.fixture
def setup(make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    return group, group.module_version.exercises[0], login_as(learner)


def _submit(client, group, exercise, files, **extra):
    return client.post(f"/cohorts/{group.id}/exercises/{exercise.id}",
                       data={"body": "回答", "submit": "1", "attachments": files, **extra},
                       content_type="multipart/form-data")


def test_a_refused_file_is_not_stored_and_the_good_ones_only_as_the_learners_chosen_files(app, setup):
    group, exercise, client = setup
    response = _submit(client, group, exercise, [(io.BytesIO(PDF), "report.pdf"), (io.BytesIO(CSV), "counts.csv"),
                                                 (io.BytesIO(b"MZ\x90\x00"), "tool.exe")])
    assert response.status_code == 422
    assert "tool.exe は受け付けていないファイル形式です" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 0
    # Kept with the draft so that the learner need not choose them again (tests/test_drafts.py), each once.
    kept = set(db.session.scalars(select(DraftAttachment.content_hash)))
    assert kept == {hashlib.sha256(PDF).hexdigest(), hashlib.sha256(CSV).hexdigest()}
    assert _stored(app.config["STORAGE_DIR"]) == kept
    assert _staged(app.config["STORAGE_DIR"]) == set()


def test_an_accepted_submit_stores_each_file_under_its_hash(app, setup):
    group, exercise, client = setup
    response = _submit(client, group, exercise, [(io.BytesIO(PDF), "report.pdf"), (io.BytesIO(CSV), "counts.csv")])
    assert response.status_code == 302
    hashes = set(db.session.scalars(select(Attachment.content_hash)))
    assert hashes == {hashlib.sha256(PDF).hexdigest(), hashlib.sha256(CSV).hexdigest()}
    assert _stored(app.config["STORAGE_DIR"]) == hashes
    assert _staged(app.config["STORAGE_DIR"]) == set()
    assert FileStorage(app.config["STORAGE_DIR"]).read(hashlib.sha256(CSV).hexdigest()) == CSV


def test_the_same_content_is_stored_once_and_made_young_again(app, setup):
    group, exercise, client = setup
    storage = FileStorage(app.config["STORAGE_DIR"])
    content_hash = storage.put_bytes(PDF)
    old = time.time() - 7200
    os.utime(storage.path_for(content_hash), (old, old))
    assert _submit(client, group, exercise, [(io.BytesIO(PDF), "again.pdf")]).status_code == 302
    assert _stored(app.config["STORAGE_DIR"]) == {content_hash}
    # A sweep running now must not take the file the new attachment shares.
    assert storage.path_for(content_hash).stat().st_mtime > old + 3600


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_sweep_removes_old_unreferenced_and_temporary_files_only(app, setup, runner):
    group, exercise, client = setup
    storage = FileStorage(app.config["STORAGE_DIR"])
    assert _submit(client, group, exercise, [(io.BytesIO(PDF), "report.pdf")]).status_code == 302
    attached = db.session.scalar(select(Attachment.content_hash))
    material_hash = storage.put_bytes(b"a,b\n1,2\n")
    db.session.add(Material(exercise=exercise, filename="data.csv", content_hash=material_hash, size=8,
                            media_type="text/csv"))
    db.session.commit()
    orphan_old = storage.put_bytes(b"left by a rolled-back submit")
    orphan_young = storage.put_bytes(b"promoted by a submit still committing")
    stale_temp = storage.stage(b"a worker was killed while writing this")
    young_temp = storage.stage(b"an upload in progress")
    for path in (storage.path_for(attached), storage.path_for(material_hash), storage.path_for(orphan_old),
                 stale_temp.path):
        _age(path, 7200)

    result = runner.invoke(args=["storage", "sweep"])

    assert result.exit_code == 0, result.output
    assert "removed 1 unreferenced file(s) and 1 temporary file(s)" in result.output
    assert _stored(app.config["STORAGE_DIR"]) == {attached, material_hash, orphan_young}
    assert _staged(app.config["STORAGE_DIR"]) == {young_temp.path.name}

    result = runner.invoke(args=["storage", "sweep", "--min-age", "0"])
    assert "removed 1 unreferenced file(s) and 1 temporary file(s)" in result.output
    assert _stored(app.config["STORAGE_DIR"]) == {attached, material_hash}
    assert _staged(app.config["STORAGE_DIR"]) == set()
