"""What the administrator's pages read."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from app.auth.models import Organization, Role, User


def find_users(session: Session, *, text: str = "", role: Role | None = None, offset: int = 0,
               limit: int = 50) -> list[User]:
    """Users by name, email address or organization (its own name or its subprefecture's, in either
    language: 「岩見沢」 finds the staff of 岩見沢市, 「空知」 everyone under 空知総合振興局), and of one role if
    given; by name, with their organization loaded. One query."""
    query = select(User).options(joinedload(User.organization)).order_by(User.display_name, User.id)
    if text:
        organization, parent = aliased(Organization), aliased(Organization)
        like = f"%{text}%"
        query = (query.outerjoin(organization, User.organization_id == organization.id)
                 .outerjoin(parent, organization.parent_id == parent.id)
                 .where(or_(User.email.like(f"%{text.lower()}%"), User.display_name.ilike(like),
                            organization.name_ja.ilike(like), organization.name_en.ilike(like),
                            parent.name_ja.ilike(like), parent.name_en.ilike(like))))
    if role is not None:
        query = query.where(User.role == role)
    return list(session.scalars(query.offset(offset).limit(limit)))
