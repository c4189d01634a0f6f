import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.badges import documents
from app.badges.achievements import ensure_level_achievements
from app.badges.errors import KeysCannotRotate
from app.badges.issuers import add_key, ensure_issuer
from app.badges.listeners import badge_settings, issue_pending_credentials
from app.badges.models import Credential
from app.badges.proofs import REASONS as PROOF_REASONS
from app.badges.uploads import REASONS as UPLOAD_REASONS
from app.badges.uploads import UnreadableUpload, read_uploaded_credential
from app.badges.verification import REASONS as VERIFICATION_REASONS
from app.badges.verification import verify_document
from app.core.timeutil import utcnow
from app.extensions import db

badges_cli = AppGroup("badges", help="Open Badges: issuer keys, issued credentials, offline verification.")


@badges_cli.command("init")
def init():
    """Create the default issuer with a signing key and the talent-level achievements (idempotent)."""
    keys, urls, defaults = badge_settings(current_app.config)
    issuer = ensure_issuer(db.session, keys, defaults)
    ensure_level_achievements(db.session, issuer)
    db.session.commit()
    click.echo(f"issuer {documents.issuer_identifier(issuer, urls)} with {len(issuer.keys)} key(s)")


@badges_cli.command("issue-pending")
def issue_pending():
    """Issue the credentials that could not be issued when their module was completed. Exit status 1
    if some still fail."""
    issued, failed = issue_pending_credentials(db.session, current_app.config)
    click.echo(f"{issued} credential(s) issued, {failed} still pending")
    if failed:
        raise SystemExit(1)


@badges_cli.command("rotate-key")
def rotate_key():
    """Add a new signing key to the default issuer; credentials signed with older keys keep verifying."""
    keys, urls, defaults = badge_settings(current_app.config)
    issuer = ensure_issuer(db.session, keys, defaults)
    try:
        key = add_key(db.session, issuer, keys, now=utcnow())
    except KeysCannotRotate:
        raise click.ClickException("this issuer is a did:key: its key cannot be replaced")
    db.session.commit()
    click.echo(f"new signing key {documents.verification_method(key, urls)}")


@badges_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_credentials(as_json: bool):
    """Issued credentials with their ids and public URLs."""
    _, urls, _ = badge_settings(current_app.config)
    rows = [{"id": f"urn:uuid:{c.uuid}", "status": c.status, "recipient": c.display_name,
             "achievement": c.achievement.name_ja, "issued_at": c.issued_at.isoformat() if c.issued_at else None,
             "public_url": urls.public_page(c.uuid), "json_url": f"{urls.public_page(c.uuid)}/credential.json",
             "ob2_assertion_url": urls.ob2_assertion(c.uuid)}
            for c in db.session.scalars(select(Credential).order_by(Credential.id))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['status']:18} {row['public_url']}  {row['recipient']}  {row['achievement']}")


@badges_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify(file: Path):
    """Verify a credential (JSON) or a baked badge (PNG, SVG) offline. Exit status 1 unless genuine."""
    _, urls, _ = badge_settings(current_app.config)
    try:
        document = read_uploaded_credential(file.name, file.read_bytes())
    except UnreadableUpload as e:
        raise click.ClickException(UPLOAD_REASONS[e.code])
    report = verify_document(db.session, document, urls, utcnow())
    reasons = [VERIFICATION_REASONS.get(r) or PROOF_REASONS.get(r) or r for r in report.reasons if r]
    click.echo(report.outcome + (f": {'; '.join(reasons)}" if reasons else ""))
    if report.outcome != "genuine":
        raise SystemExit(1)


