"""The learner's choices about their own badges. Services flush; the caller commits."""

from app.badges.models import Credential


def update_public_settings(credential: Credential, *, display_name: str, evidence_public: bool) -> None:
    """The learner's choices for the public page: the name shown and whether accepted work can be read."""
    credential.display_name = display_name.strip()
    credential.evidence_public = evidence_public
