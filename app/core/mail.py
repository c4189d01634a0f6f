"""Outgoing mail. The embedded default writes each message to instance/outbox/ and logs it,
so invitations and password resets work without a mail server."""

import logging
import os
import uuid
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.jobs import enqueue_after_commit

log = logging.getLogger(__name__)


def new_message_id() -> str:
    # Sorts by time; the address never goes into it: a valid one may hold "/" or other characters a
    # path cannot.
    return f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}"


def send_mail(outbox: Path, to: str, subject: str, body: str, message_id: str | None = None) -> Path:
    """Write the message to `outbox` as <message_id>.eml. Sending the same message id again writes
    nothing (a retried job must not mail twice)."""
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message["From"] = "enshu@localhost"
    message.set_content(body)
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{message_id or new_message_id()}.eml"
    # Complete before it appears (link refuses an existing name): a reader never sees half a message.
    partial = outbox / f".partial-{uuid.uuid4().hex}"
    partial.write_bytes(message.as_bytes())
    try:
        os.link(partial, path)
    except FileExistsError:
        log.info("mail %s was already written", path.name)
        return path
    finally:
        partial.unlink()
    log.info("mail to %s written to %s", to, path)
    return path


def send_mail_after_commit(session: Session, outbox: Path, to: str, subject: str, body: str) -> None:
    """Mail once the current transaction of `session` is committed (through the job queue if any)."""
    message_id = new_message_id()
    enqueue_after_commit(session, f"mail-{message_id}", send_mail, outbox, to, subject, body, message_id)
