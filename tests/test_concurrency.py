"""Real concurrency: threads, each with its own test client (so its own app context and database
session), hit the submit and review routes at the same moment. SQLite runs on a file the threads
share; PostgreSQL when TEST_DATABASE_URL names it."""

import hashlib
import io
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.badges.models import Credential, CredentialStatus
from app.completions.models import CompletionRecord
from app.extensions import db
from app.reviews.models import Review
from app.submissions.models import Attachment, Submission, SubmissionStatus, SubmissionVersion

THREADS = 4


def at_once(calls):
    """Run each call in its own thread, released together by a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)
    errors = []

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except BaseException as e:  # surfaced below: a thread's failure must fail the test
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _clients(app, signed_in, n):
    """`n` test clients sharing the signed-in session cookie of `signed_in`."""
    cookie = signed_in.get_cookie("session")
    clients = []
    for _ in range(n):
        client = app.test_client()
        client.set_cookie("session", cookie.value)
        clients.append(client)
    return clients


def _submit(client, url, body, files=()):
    response = client.post(url, data={"body": body, "submit": "1", "attachments": list(files)},
                           content_type="multipart/form-data")
    return response.status_code


def _exercise_url(group, exercise) -> str:
    return f"/cohorts/{group.id}/exercises/{exercise.id}"


def test_simultaneous_submits_from_one_learner_become_consecutive_versions(app, make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    exercise = group.module_version.exercises[0]
    clients = _clients(app, login_as(learner), THREADS)
    url = _exercise_url(group, exercise)

    for round_ in range(2):  # the first round races to create the submission, the second to extend it
        statuses = at_once([lambda c=c, i=i: _submit(c, url, f"回答 {round_}-{i}",
                                                     [(io.BytesIO(f"{round_}-{i},値\n".encode()), "data.csv")])
                            for i, c in enumerate(clients)])
        assert statuses == [302] * THREADS

    db.session.expire_all()
    submission = db.session.scalar(select(Submission))
    versions = db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.number)).all()
    assert [v.number for v in versions] == list(range(1, 2 * THREADS + 1))
    assert submission.latest_version_number == 2 * THREADS
    assert {v.body_md for v in versions} == {f"回答 {r}-{i}" for r in range(2) for i in range(THREADS)}
    stored = {p.name for p in Path(app.config["STORAGE_DIR"]).glob("??/??/*")}
    assert stored == {hashlib.sha256(f"{r}-{i},値\n".encode()).hexdigest() for r in range(2) for i in range(THREADS)}
    assert set(db.session.scalars(select(Attachment.content_hash))) == stored


def _waiting_version(app, make, learner, group, exercise):
    client = login_as_client(app, learner)
    assert _submit(client, _exercise_url(group, exercise), "回答") == 302
    return db.session.scalar(select(SubmissionVersion).join(Submission).where(
        Submission.exercise_id == exercise.id, Submission.enrolment_id == make.enrolment(group, learner).id))


def login_as_client(app, user):
    from tests.conftest import login
    return login(app.test_client(), user)


def _decision(version, make) -> tuple[str, dict]:
    """The review URL and an accepting form for `version` (read here, in the test's own session)."""
    return f"/review/submissions/{version.submission_id}", {
        "version_id": str(version.id), "feedback": "良い", "accept": "1", **make.scores(version.submission.exercise)}


def _decide(client, decision):
    url, data = decision
    return client.post(url, data=data)


def test_two_mentors_deciding_on_one_version_at_once_one_is_told_plainly(app, make):
    learner = make.user(Role.LEARNER)
    mentors = [make.user(Role.MENTOR) for _ in range(2)]
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=mentors)
    version = _waiting_version(app, make, learner, group, group.module_version.exercises[0])
    clients = [login_as_client(app, m) for m in mentors]

    responses = at_once([lambda c=c, d=_decision(version, make): _decide(c, d) for c in clients])

    assert sorted(r.status_code for r in responses) == [302, 409]
    refused = next(r for r in responses if r.status_code == 409).get_data(as_text=True)
    assert "この版は、別のメンターが既に判定しています。" in refused
    db.session.expire_all()
    assert len(db.session.scalars(select(Review)).all()) == 1
    assert db.session.scalar(select(Submission)).status == SubmissionStatus.ACCEPTED


def test_simultaneous_acceptances_record_every_completion_and_badge(app, make, runner):
    """Four learners completing at once get four badges with distinct status list indexes; a learner
    whose last two exercises are accepted at once by two mentors gets exactly one completion."""
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    learners = [make.user(Role.LEARNER) for _ in range(THREADS)]
    mentors = [make.user(Role.MENTOR) for _ in range(THREADS)]
    group = make.cohort(make.module_version(exercises=1), learners=learners, mentors=mentors)
    exercise = group.module_version.exercises[0]
    versions = [_waiting_version(app, make, learner, group, exercise) for learner in learners]
    clients = [login_as_client(app, m) for m in mentors]

    responses = at_once([lambda c=c, d=_decision(v, make): _decide(c, d) for c, v in zip(clients, versions)])
    assert [r.status_code for r in responses] == [302] * THREADS

    pair_learner = make.user(Role.LEARNER)
    pair = make.cohort(make.module_version(exercises=2), learners=[pair_learner], mentors=mentors[:2])
    pair_versions = [_waiting_version(app, make, pair_learner, pair, e) for e in pair.module_version.exercises]
    responses = at_once([lambda c=c, d=_decision(v, make): _decide(c, d) for c, v in zip(clients[:2], pair_versions)])
    assert [r.status_code for r in responses] == [302, 302]

    db.session.expire_all()
    records = db.session.scalars(select(CompletionRecord)).all()
    assert sorted(r.enrolment.user_id for r in records) == sorted(u.id for u in learners + [pair_learner])
    credentials = db.session.scalars(select(Credential)).all()
    assert len(credentials) == THREADS + 1
    assert {c.status for c in credentials} == {CredentialStatus.ISSUED}
    assert sorted(c.status_list_index for c in credentials) == list(range(THREADS + 1))
