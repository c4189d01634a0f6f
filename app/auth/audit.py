"""Staff actions are recorded with what they changed."""

from sqlalchemy.orm import Session

from app.auth.models import AuditEntry, User


def record(session: Session, actor: User | None, action: str, object_type: str, object_id: int | None,
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor.id if actor else None, action=action, object_type=object_type,
                       object_id=object_id, before=before, after=after)
    session.add(entry)
    return entry
