"""Issuer profiles and their signing keys. Services flush; the caller commits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth import audit
from app.auth.models import User
from app.badges.errors import IssuerExists, KeysCannotRotate
from app.badges.keys import KeyStore
from app.badges.models import IdentifierMethod, Issuer, IssuerKey


@dataclass(frozen=True)
class IssuerDefaults:
    name_ja: str
    name_en: str
    url: str
    email: str
    uses_did_key: bool = False


def ensure_issuer(session: Session, keys: KeyStore, defaults: IssuerDefaults) -> Issuer:
    """The default issuer (the programme office), created with a signing key on first use."""
    issuer = session.scalar(select(Issuer).where(Issuer.organization_id.is_(None)).order_by(Issuer.id).limit(1)
                            .options(joinedload(Issuer.keys)))  # for its signing key
    if issuer is None:
        issuer = Issuer(name_ja=defaults.name_ja, name_en=defaults.name_en, url=defaults.url, email=defaults.email,
                        identifier_method=IdentifierMethod.DID_KEY if defaults.uses_did_key else IdentifierMethod.HTTPS)
        session.add(issuer)
        session.flush()
    if issuer.signing_key is None:
        add_key(session, issuer, keys)
    return issuer


def create_issuer(session: Session, *, organization_id: int, name_ja: str, name_en: str, url: str, email: str,
                  keys: KeyStore, actor: User, uses_did_key: bool = False) -> Issuer:
    """An issuer profile for an organization, with its own signing key. Raises IssuerExists."""
    if session.scalar(select(Issuer.id).where(Issuer.organization_id == organization_id)) is not None:
        raise IssuerExists()
    issuer = Issuer(organization_id=organization_id, name_ja=name_ja.strip(), name_en=name_en.strip(),
                    url=url.strip(), email=email.strip().lower(),
                    identifier_method=IdentifierMethod.DID_KEY if uses_did_key else IdentifierMethod.HTTPS)
    session.add(issuer)
    session.flush()
    add_key(session, issuer, keys)
    audit.record(session, actor, "issuer.create", "issuer", issuer.id, after={"name_ja": issuer.name_ja})
    return issuer


def add_key(session: Session, issuer: Issuer, keys: KeyStore, now: datetime | None = None) -> IssuerKey:
    """A new signing key; the previous one is retired from signing but stays published.
    Raises KeysCannotRotate for a did:key issuer that has its key already."""
    if issuer.identifier_method == IdentifierMethod.DID_KEY and issuer.keys:
        raise KeysCannotRotate()
    for key in issuer.keys:
        if key.retired_at is None and now is not None:
            key.retired_at = now
    number = max((k.number for k in issuer.keys), default=0) + 1
    key = IssuerKey(issuer=issuer, number=number, public_key_multibase=keys.generate())
    session.add(key)
    session.flush()
    return key
