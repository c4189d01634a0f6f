"""Submitting work, and every way a submit is refused (with its message and nothing changed)."""

import io

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cohorts.models import MentorAssignment
from app.extensions import db
from app.submissions.models import Submission, SubmissionStatus, SubmissionVersion


@pytest.fixture
def setup(make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    return learner, group, group.module_version.exercises[0], login_as(learner)


def _post(client, group, exercise, body="回答", **extra):
    return client.post(f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": body, "submit": "1", **extra},
                       content_type="multipart/form-data")


def _versions() -> int:
    return db.session.scalar(select(func.count(SubmissionVersion.id)))


def test_submit_creates_immutable_numbered_versions(setup):
    learner, group, exercise, client = setup
    _post(client, group, exercise, "一回目")
    _post(client, group, exercise, "二回目")
    versions = db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.number)).all()
    assert [(v.number, v.body_md) for v in versions] == [(1, "一回目"), (2, "二回目")]
    assert db.session.scalar(select(Submission)).status == SubmissionStatus.AWAITING_REVIEW


def test_markdown_answer_is_sanitised(setup):
    learner, group, exercise, client = setup
    _post(client, group, exercise, "**太字** <script>alert(1)</script> [x](javascript:alert(1))")
    html = db.session.scalar(select(SubmissionVersion)).body_html
    assert "<strong>太字</strong>" in html and "<script" not in html and "javascript:" not in html


@pytest.mark.parametrize("body, message", [
    ("", "Write your answer before submitting."),
    ("   \n  ", "Write your answer before submitting."),
    ("あ" * 50_001, "the limit is 50000"),
])
def test_empty_or_oversized_answer_is_refused(setup, body, message):
    learner, group, exercise, client = setup
    client.post("/language", data={"locale": "en"})
    response = _post(client, group, exercise, body)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _versions() == 0


def test_answer_error_is_in_japanese_and_tied_to_the_field(setup):
    learner, group, exercise, client = setup
    page = _post(client, group, exercise, "").get_data(as_text=True)
    assert "回答を入力してから提出してください。" in page
    assert 'aria-describedby="body-hint body-error"' in page


def test_file_above_the_per_file_limit_is_refused(app, setup):
    learner, group, exercise, client = setup
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    client.post("/language", data={"locale": "en"})
    response = _post(client, group, exercise, attachments=[(io.BytesIO(b"%PDF-1.4" + b"0" * 2000), "big.pdf")])
    assert response.status_code == 422
    assert "big.pdf is larger than" in response.get_data(as_text=True)
    assert _versions() == 0


def test_request_above_the_upload_limit_gets_a_friendly_413_page(app, setup):
    learner, group, exercise, client = setup
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = _post(client, group, exercise, attachments=[(io.BytesIO(b"%PDF-1.4" + b"0" * 20_000), "huge.pdf")])
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Traceback" not in page and 'lang="ja"' in page
    assert _versions() == 0


@pytest.mark.parametrize("name, content", [
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("fake.pdf", b"<html><script>alert(1)</script></html>"),   # name allowed, content is not a PDF
    ("photo.png", b"GIF89a...."),
    ("run.exe", b"MZ\x90\x00"),
    ("sheet.xlsx", b"PK\x03\x04 not really a zip"),
])
def test_disallowed_file_types_are_refused_by_content_and_name(setup, name, content):
    learner, group, exercise, client = setup
    client.post("/language", data={"locale": "en"})
    response = _post(client, group, exercise, attachments=[(io.BytesIO(content), name)])
    assert response.status_code == 422
    assert f"{name} is not a file type we accept" in response.get_data(as_text=True)
    assert _versions() == 0


def test_submission_after_the_cohort_closed_is_refused(make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], started_days_ago=40, days_open=30)
    client = login_as(learner)
    client.post("/language", data={"locale": "en"})
    exercise = group.module_version.exercises[0]
    page = client.get(f"/cohorts/{group.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert "This cohort is closed" in page
    response = _post(client, group, exercise)
    assert response.status_code == 422
    assert "This cohort is closed" in response.get_data(as_text=True)
    assert _versions() == 0


def test_another_learners_exercise_page_and_attachments_are_not_found(setup, make, login_as):
    learner, group, exercise, client = setup
    file, name = make.pdf_file()
    _post(client, group, exercise, attachments=[(file, name)])
    attachment_id = db.session.scalar(select(SubmissionVersion)).attachments[0].id
    stranger = make.user(Role.LEARNER)
    other = login_as(stranger)
    assert other.get(f"/cohorts/{group.id}/exercises/{exercise.id}").status_code == 404
    assert other.get(f"/attachments/{attachment_id}").status_code == 404
    assert _post(other, group, exercise).status_code == 404
    assert _versions() == 1


def test_unknown_ids_are_404(setup):
    learner, group, exercise, client = setup
    assert client.get(f"/cohorts/{group.id}/exercises/999999").status_code == 404
    assert client.get("/cohorts/999999/").status_code == 404
    assert client.get("/attachments/999999").status_code == 404
    assert client.get("/materials/999999").status_code == 404


def test_attachments_are_always_downloads_with_nosniff(setup, make, login_as):
    learner, group, exercise, client = setup
    _post(client, group, exercise, attachments=[(io.BytesIO("メモ,値\n".encode()), "notes.csv")])
    attachment = db.session.scalar(select(SubmissionVersion)).attachments[0]
    response = client.get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == "メモ,値\n".encode()
    response.close()
    mentor = make.user(Role.MENTOR)
    assert login_as(mentor).get(f"/attachments/{attachment.id}").status_code == 404  # not their cohort
    group.mentor_assignments.append(MentorAssignment(user=mentor))
    db.session.commit()
    response = login_as(mentor).get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    response.close()


def test_an_accepted_exercise_takes_no_new_version(setup):
    learner, group, exercise, client = setup
    _post(client, group, exercise)
    submission = db.session.scalar(select(Submission))
    submission.status = SubmissionStatus.ACCEPTED
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/cohorts/{group.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert "This exercise has been accepted" in page  # the form is not offered any more
    response = _post(client, group, exercise, "もう一度")
    assert response.status_code == 422
    assert "already been accepted" in response.get_data(as_text=True)
    assert _versions() == 1


def test_preview_renders_sanitised_markdown(setup):
    learner, group, exercise, client = setup
    response = client.post("/preview", data={"body": "# 見出し\n<img src=x onerror=alert(1)>"})
    assert response.status_code == 200
    assert "<h1>見出し</h1>" in response.get_data(as_text=True)
    # Raw HTML is text: shown escaped, never an element.
    assert "<img" not in response.get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.get_data(as_text=True)


def test_preview_button_shows_preview_without_saving(setup):
    learner, group, exercise, client = setup
    response = client.post(f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": "**下書き**", "preview": "1"},
                           content_type="multipart/form-data")
    assert "<strong>下書き</strong>" in response.get_data(as_text=True)
    assert _versions() == 0


def test_simulated_material_downloads_are_labelled(app, make, login_as):
    from app.content.models import Material
    from app.core.storage import FileStorage
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    exercise = group.module_version.exercises[0]
    content_hash = FileStorage(app.config["STORAGE_DIR"]).put_bytes(b"a,b\n1,2\n")
    material = Material(exercise=exercise, filename="data.csv", content_hash=content_hash, size=8,
                        media_type="text/csv", is_simulated=True)
    db.session.add(material)
    db.session.commit()
    response = login_as(learner).get(f"/materials/{material.id}")
    assert response.status_code == 200
    assert "%E6%A8%A1%E6%93%AC%E3%83%87%E3%83%BC%E3%82%BF_data.csv" in response.headers["Content-Disposition"]
    response.close()
    assert login_as(make.user(Role.LEARNER)).get(f"/materials/{material.id}").status_code == 404


def test_materials_of_a_locked_exercise_are_not_found_for_learners_until_it_opens(app, make, login_as):
    from app.content.models import Material
    from app.core.storage import FileStorage
    learner, mentor, organizer = make.user(Role.LEARNER), make.user(Role.MENTOR), make.user(Role.ORGANIZER)
    version = make.module_version(exercises=2)
    first, second = version.exercises
    second.unlock_after_slug, second.unlock_when = first.slug, "submitted"
    group = make.cohort(version, learners=[learner], mentors=[mentor])
    material = Material(exercise=second, filename="data.csv", media_type="text/csv", size=8,
                        content_hash=FileStorage(app.config["STORAGE_DIR"]).put_bytes(b"a,b\n1,2\n"))
    db.session.add(material)
    db.session.commit()
    client = login_as(learner)
    page = client.get(f"/cohorts/{group.id}/exercises/{second.id}").get_data(as_text=True)
    assert f"/materials/{material.id}" not in page
    assert client.get(f"/materials/{material.id}").status_code == 404
    for staff in (mentor, organizer):
        response = login_as(staff).get(f"/materials/{material.id}")
        assert response.status_code == 200
        response.close()

    assert _post(client, group, first).status_code == 302
    response = client.get(f"/materials/{material.id}")
    assert response.status_code == 200 and response.data == b"a,b\n1,2\n"
    response.close()
