"""Work that follows a commit (mail, badge signing): on an RQ queue in Redis when JOBS_REDIS_URL is set,
so that any host's `flask jobs work` does it and a failure is retried; otherwise inline, right after
the commit.

A job is a module-level function called with picklable arguments under a stable job id. It may run
more than once (a retry, or a worker that died after the work but before it said so), so every job
is idempotent: a mail is keyed by its message id, a credential by its completion record."""

import functools
import logging
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from sqlalchemy.orm import Session

from app.core.transaction import after_commit

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The job's work failed in a way a later try may fix; it stays pending. On the queue the job is
    retried; inline the failure is only logged, since the commit it followed must not turn into an error."""


@functools.cache
def _redis(url: str) -> Redis:
    # One connection pool per process, not one per enqueued job.
    return Redis.from_url(url)


def _queue(config) -> Queue | None:
    url = config.get("JOBS_REDIS_URL")
    return Queue(config["JOBS_QUEUE"], connection=_redis(url)) if url else None


def enqueue_after_commit(session: Session, job_id: str, func: Callable, *args) -> None:
    """Once the current transaction of `session` commits, run `func(*args)`: on the queue when one is
    configured, else here. A queue that cannot be reached means here too: the work is never dropped."""
    config = current_app.config
    intervals = list(config["JOBS_RETRY_INTERVALS"])

    def enqueue_or_run():
        queue = _queue(config)
        if queue is not None:
            try:
                queue.enqueue_call(func, args=args, job_id=job_id, retry=Retry(max=len(intervals), interval=intervals))
                return
            except RedisError:
                log.exception("job %s: the queue cannot be reached; running it here", job_id)
        try:
            func(*args)
        except RetryLater:
            log.exception("job %s failed; its work stays pending", job_id)

    after_commit(session, enqueue_or_run)


class _AppWorker(SimpleWorker):
    """Runs each job in an app context of its own (in this process), so no session outlives its job."""

    app: Flask

    def execute_job(self, *args, **kwargs):
        with self.app.app_context():
            return super().execute_job(*args, **kwargs)


def worker(app: Flask) -> _AppWorker:
    """A worker for the app's queue (JOBS_REDIS_URL must be set)."""
    queue = _queue(app.config)
    if queue is None:
        raise click.ClickException("JOBS_REDIS_URL is not set: jobs run inline, there is no queue to work on")
    work = _AppWorker([queue], connection=queue.connection)
    work.app = app
    return work


jobs_cli = AppGroup("jobs", help="Background jobs (mail, badge signing) on the queue in JOBS_REDIS_URL.")


@jobs_cli.command("work")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for more.")
def work(burst: bool):
    """Do the queued jobs, retrying failed ones (JOBS_RETRY_INTERVALS); run one or more on any host."""
    worker(current_app._get_current_object()).work(burst=burst, with_scheduler=True)
