import click
from flask.cli import AppGroup

from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.notifications.mailing import mail_notifications
from app.notifications.services import create_due_reminders

notifications_cli = AppGroup("notifications", help="In-app notifications and their e-mail.")


@notifications_cli.command("send-due")
def send_due():
    """Remind learners of work due within a week, within a day or overdue (for cron, e.g. hourly). Each
    reminder is sent once per learner, exercise and cohort: running it again, even at the same time on
    another host, sends nothing twice."""
    created = create_due_reminders(db.session, utcnow())
    mailed = mail_notifications(db.session, created)
    commit(db.session)  # the mail goes out once the reminders are stored
    click.echo(f"{len(created)} reminder(s) created, {mailed} mailed")
