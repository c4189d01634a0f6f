"""A learner whose module completion issued a badge, for the badge tests."""

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.badges.models import Credential
from app.extensions import db


@pytest.fixture
def completed(app, make):
    """A learner who completed a module: their badge was issued through the completion signal."""
    learner = make.user(Role.LEARNER, email="sato.hanako@example.jp", name="佐藤 花子")
    mentor = make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor])
    record = make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential).where(Credential.completion_record_id == record.id))
    return learner, mentor, group, record, credential
