import os

import click
from flask import current_app
from flask.cli import AppGroup

from app.badges.listeners import badge_settings
from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.seed import services
from app.seed.sizes import SIZES

seed_cli = AppGroup("seed", help="Generated data for measuring Enshu at scale.")


@seed_cli.command("scale")
@click.option("--size", type=click.Choice(list(SIZES)), required=True, help="XS (one cohort of 10) … XL (Hokkaido).")
@click.option("--seed", "seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--jobs", type=int, default=os.cpu_count() or 1, show_default=True,
              help="Processes that sign credentials.")
def scale(size: str, seed: int, jobs: int):
    """Generate learners, mentors, cohorts, submissions, reviews, completions and signed credentials.
    Needs organizations and modules loaded; refuses a database that has scale data already. Every
    generated account (learner00001@scale.example.jp, mentor001@…, organizer01@…) has the password
    enshu-scale-2026."""
    keys, urls, defaults = badge_settings(current_app.config)
    # On the hour, so that a second run with the same seed in the same hour writes the same rows.
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    try:
        report = services.generate(db.session, SIZES[size], seed=seed, now=now, keys=keys, urls=urls,
                                   defaults=defaults, jobs=jobs)
    except services.SeedRefused as e:
        raise click.ClickException(str(e))
    commit(db.session)
    # Fresh planner statistics: PostgreSQL's autovacuum would gather them later, and until then it
    # plans the bulk-loaded tables as nearly empty (the review queue took 300 ms a query instead of 8 at L).
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    click.echo(f"Scale data {size} (seed {seed}) created in {report.seconds:.1f} s:")
    for table, count in sorted(report.counts.items()):
        click.echo(f"  {table:28} {count:>9,}")
    if report.signed:
        rate = report.signed / report.signing_seconds if report.signing_seconds else 0.0
        click.echo(f"  {report.signed:,} credentials signed in {report.signing_seconds:.1f} s "
                   f"({rate:.0f}/s with {jobs} process(es))")
    click.echo(f"Password of every generated account: {services.PASSWORD}")
