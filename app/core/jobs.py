"""Work that follows a commit (mail, badge signing): on an RQ queue in Redis when JOBS_REDIS_URL is set,
so that any host's `flask jobs work` (app/core/job_worker.py) does it and a failure is retried; otherwise
inline, right after the commit.

A job is a module-level function called with picklable arguments under a stable job id. It may run
more than once (a retry, or a worker that died after the work but before it said so), so every job
is idempotent: a mail is keyed by its message id, a credential by its completion record.

rq and redis are imported only where a queue is configured: a web worker without one never needs them
(issue 10, a worker's memory)."""

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy.orm import Session

from app.core.transaction import after_commit

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The job's work failed in a way a later try may fix; it stays pending. On the queue the job is
    retried; inline the failure is only logged, since the commit it followed must not turn into an error."""


@functools.cache
def _redis(url: str) -> "Redis":
    # One connection pool per process, not one per enqueued job.
    from redis import Redis
    return Redis.from_url(url)


def queue_of(config) -> "Queue | None":
    """The RQ queue of JOBS_REDIS_URL, or None when it is not set (jobs run inline)."""
    url = config.get("JOBS_REDIS_URL")
    if not url:
        return None
    from rq import Queue
    return Queue(config["JOBS_QUEUE"], connection=_redis(url))


def enqueue_after_commit(session: Session, job_id: str, func: Callable, *args) -> None:
    """Once the current transaction of `session` commits, run `func(*args)`: on the queue when one is
    configured, else here. A queue that cannot be reached means here too: the work is never dropped."""
    config = current_app.config
    intervals = list(config["JOBS_RETRY_INTERVALS"])

    def enqueue_or_run():
        queue = queue_of(config)
        if queue is not None:
            from redis.exceptions import RedisError
            from rq import Retry
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
