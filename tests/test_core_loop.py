"""The whole loop through the test client: submit → return → resubmit → accept → completion record."""

from sqlalchemy import func, select

from app.auth.models import Role
from app.completions.models import CompletionRecord
from app.completions.signals import completion_recorded
from app.extensions import db
from app.submissions.models import Submission, SubmissionVersion


def _submit(client, group, exercise, body, **extra):
    return client.post(f"/cohorts/{group.id}/exercises/{exercise.id}",
                       data={"body": body, "submit": "1", **extra}, content_type="multipart/form-data")


def _review(client, submission, version, decision, make, feedback="よくできています。"):
    data = {"version_id": str(version.id), "feedback": feedback, **make.scores(submission.exercise)}
    data["accept" if decision == "accept" else "return_for_revision"] = "1"
    return client.post(f"/review/submissions/{submission.id}", data=data)


def test_learner_and_mentor_work_through_a_module_to_a_completion_record(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor])
    first, second = group.module_version.exercises
    learner_client, mentor_client = login_as(learner), login_as(mentor)
    recorded = []
    completion_recorded.connect(lambda sender, record: recorded.append(record.id), weak=False)

    file, name = make.pdf_file()
    response = _submit(learner_client, group, first, "# 現状分析\n初版です。", attachments=[(file, name)])
    assert response.status_code == 302
    page = learner_client.get(response.location).get_data(as_text=True)
    assert "第1版を提出しました" in page

    queue = mentor_client.get("/review/").get_data(as_text=True)
    assert learner.display_name in queue
    submission = db.session.scalar(select(Submission).where(Submission.exercise_id == first.id))
    v1 = submission.versions[0]
    assert [a.filename for a in v1.attachments] == ["report.pdf"]

    assert _review(mentor_client, submission, v1, "return", make, feedback="**根拠**を追加してください。").status_code == 302
    db.session.expire_all()
    assert submission.status == "returned"
    dashboard = learner_client.get("/").get_data(as_text=True)
    assert first.title_ja in dashboard
    exercise_page = learner_client.get(f"/cohorts/{group.id}/exercises/{first.id}").get_data(as_text=True)
    assert "<strong>根拠</strong>を追加してください。" in exercise_page

    keep = str(v1.attachments[0].id)
    assert _submit(learner_client, group, first, "# 現状分析\n根拠を追加しました。", keep_attachment=keep).status_code == 302
    db.session.expire_all()
    v2 = submission.versions[-1]
    assert (v2.number, submission.status) == (2, "awaiting_review")
    assert [a.filename for a in v2.attachments] == ["report.pdf"]
    assert v1.body_md == "# 現状分析\n初版です。"  # the earlier version is untouched
    review_page = mentor_client.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert "<ins>+ 根拠を追加しました。</ins>" in review_page

    assert _review(mentor_client, submission, v2, "accept", make).status_code == 302
    assert db.session.scalar(select(func.count(CompletionRecord.id))) == 0  # one exercise still open

    assert _submit(learner_client, group, second, "課題2の回答").status_code == 302
    other = db.session.scalar(select(Submission).where(Submission.exercise_id == second.id))
    assert _review(mentor_client, other, other.versions[0], "accept", make).status_code == 302

    records = db.session.scalars(select(CompletionRecord)).all()
    assert len(records) == 1 and recorded == [records[0].id]
    record = records[0]
    assert record.total_points == 18 and record.max_points == 18
    assert sorted(v.id for v in record.accepted_versions) == sorted([v2.id, other.versions[0].id])
    assert 'class="completion"' in learner_client.get("/").get_data(as_text=True)
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 3
