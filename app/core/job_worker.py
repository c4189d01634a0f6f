"""`flask jobs work`: does the jobs queued by app/core/jobs.py (a module of its own, so that only the
worker imports rq's worker)."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from rq import SimpleWorker

from app.core.jobs import queue_of


class _AppWorker(SimpleWorker):
    """Runs each job in an app context of its own (in this process), so no session outlives its job."""

    app: Flask

    def execute_job(self, *args, **kwargs):
        with self.app.app_context():
            return super().execute_job(*args, **kwargs)


def worker(app: Flask) -> _AppWorker:
    """A worker for the app's queue (JOBS_REDIS_URL must be set)."""
    queue = queue_of(app.config)
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
