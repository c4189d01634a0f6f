"""Reads about submissions that other parts of the app need."""

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from app.content.models import Material
from app.submissions.models import Attachment


def referenced_file_hashes(session: Session) -> set[str]:
    """Every stored file some row points to: attachments of submission versions and exercise materials."""
    return set(session.scalars(union(select(Attachment.content_hash), select(Material.content_hash))))
