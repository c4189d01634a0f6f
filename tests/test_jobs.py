"""Background jobs on a real Redis with an RQ worker in this process (burst mode): work that follows a
commit waits on the queue, a failed job is retried, and a job that runs again does its work once."""

import secrets
import signal
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus

from app.auth.models import Role
from app.badges import issuing
from app.badges.models import Credential
from app.completions.models import CompletionRecord
from app.core import job_worker
from app.extensions import db
from app.paths.models import LevelAward
from tests.conftest import login
from tests.test_login_throttle import REDIS_URL
from tests.test_paths import _form


@pytest.fixture
def queued_app(app_with):
    """An app whose jobs go to a queue of this test's own in the local Redis, retried at once."""
    name = f"enshu-test-{secrets.token_hex(6)}"
    queue = Queue(name, connection=Redis.from_url(REDIS_URL))
    try:
        queue.connection.ping()
    except Exception as e:
        pytest.fail(f"Redis is required for this test and is not reachable at {REDIS_URL}: {e}")
    yield app_with(JOBS_REDIS_URL=REDIS_URL, JOBS_QUEUE=name, JOBS_RETRY_INTERVALS=(0, 0))
    for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)


def _work(app) -> Queue:
    """Do every queued job, as `flask jobs work --burst` does; the worker's signal handlers go again."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker = job_worker.worker(app)
        worker.work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    db.session.expire_all()
    return worker.queues[0]


def _run_again(queue: Queue, job_id: str) -> None:
    """Put a finished job back, as after a worker that died once the work was done but before it said so."""
    queue.enqueue_job(Job.fetch(job_id, connection=queue.connection))


def _mails(app) -> list:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_mail_waits_on_the_queue_and_is_written_once_even_when_its_job_runs_twice(queued_app, make):
    make.user(email="forgot@example.jp")
    assert queued_app.test_client().post("/password/forgot", data={"email": "forgot@example.jp"}).status_code == 302
    assert _mails(queued_app) == []
    queue = _work(queued_app)
    [written] = _mails(queued_app)
    [job_id] = queue.finished_job_registry.get_job_ids()
    assert job_id == f"mail-{written.stem}"

    _run_again(queue, job_id)
    _work(queued_app)
    assert _mails(queued_app) == [written]
    assert list(written.parent.glob(".partial-*")) == []


def _accept_the_module(app, make) -> CompletionRecord:
    """A learner's only exercise accepted and committed: its credential is now a job."""
    learner, mentor = make.user(), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    return make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])


def test_a_failed_signing_is_retried_and_issues_one_credential(queued_app, make, monkeypatch):
    record = _accept_the_module(queued_app, make)
    assert db.session.scalars(db.select(Credential)).all() == []
    attempts = []
    real = issuing.create_credential

    def fails_once(*args, **kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("the keys directory is not mounted yet")
        return real(*args, **kwargs)

    monkeypatch.setattr("app.badges.listeners.create_credential", fails_once)
    queue = _work(queued_app)
    assert len(attempts) == 2
    assert Job.fetch(f"credential-{record.id}", connection=queue.connection).get_status() == JobStatus.FINISHED
    [credential] = db.session.scalars(db.select(Credential)).all()
    assert credential.completion_record_id == record.id

    _run_again(queue, f"credential-{record.id}")
    _work(queued_app)
    assert len(attempts) == 2  # nothing left to sign: the second run found the credential
    assert db.session.scalars(db.select(Credential)).all() == [credential]


def test_a_job_that_keeps_failing_is_kept_in_the_failed_registry_and_stays_pending(queued_app, make, monkeypatch):
    record = _accept_the_module(queued_app, make)

    def always_fails(*args, **kwargs):
        raise OSError("no signing key")

    monkeypatch.setattr("app.badges.listeners.create_credential", always_fails)
    queue = _work(queued_app)
    assert queue.failed_job_registry.get_job_ids() == [f"credential-{record.id}"]
    assert db.session.scalars(db.select(Credential)).all() == []
    monkeypatch.undo()
    assert queued_app.test_cli_runner().invoke(args=["badges", "issue-pending"]).exit_code == 0
    db.session.expire_all()
    assert len(db.session.scalars(db.select(Credential)).all()) == 1


def test_a_path_saved_awards_its_completers_on_the_queue_and_once_even_when_its_job_runs_twice(queued_app, make):
    record = _accept_the_module(queued_app, make)
    queue = _work(queued_app)  # the module badge
    client = login(queued_app.test_client(), make.user(Role.ORGANIZER, locale="en"))
    rows = [("1", f"module-{record.enrolment.cohort.module_version.module_id}", True)]
    page = client.post("/manage/paths/new", data=_form({}, rows), follow_redirects=True).get_data(as_text=True)
    assert "1 learner who already holds every required step is being awarded" in page
    assert db.session.scalars(db.select(LevelAward)).all() == []  # the organizer's request signed nothing
    _work(queued_app)
    [award] = db.session.scalars(db.select(LevelAward)).all()
    assert award.user_id == record.enrolment.user_id
    [job_id] = [j for j in queue.finished_job_registry.get_job_ids() if j.startswith("path-awards-")]

    _run_again(queue, job_id)
    _work(queued_app)
    assert db.session.scalars(db.select(LevelAward)).all() == [award]
    assert db.session.scalar(db.select(db.func.count()).select_from(Credential)) == 2  # module and level badges


def test_without_a_reachable_queue_the_work_is_done_right_after_the_commit(app_with, make):
    app = app_with(JOBS_REDIS_URL="redis://127.0.0.1:1/0")
    make.user(email="forgot@example.jp")
    assert app.test_client().post("/password/forgot", data={"email": "forgot@example.jp"}).status_code == 302
    assert len(_mails(app)) == 1
