"""Outgoing mail. The embedded default writes each message to instance/outbox/ and logs it,
so invitations and password resets work without a mail server."""

import logging
import uuid
from email.message import EmailMessage
from pathlib import Path

from app.core.db import utcnow

log = logging.getLogger(__name__)


def send_mail(outbox: Path, to: str, subject: str, body: str) -> Path:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message["From"] = "enshu@localhost"
    message.set_content(body)
    outbox.mkdir(parents=True, exist_ok=True)
    # The address never goes into the name: a valid one may hold "/" or other characters a path cannot.
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}.eml"
    path.write_bytes(message.as_bytes())
    log.info("mail to %s written to %s", to, path)
    return path
