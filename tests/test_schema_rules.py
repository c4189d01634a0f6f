"""The database itself refuses rows that break the domain's rules (both engines): enum values, ranges,
revocations, "at most one ... per ...", and what deleting a row does to the rows that refer to it."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.auth.models import Organization, OrganizationKind, Role, User
from app.badges.models import Achievement, AchievementKind, Credential, IssuerKey
from app.cohorts.models import Cohort, MentorAssignment, ScheduledExercise
from app.completions.models import CompletionRecord
from app.content.models import Exercise, Material, ModuleVersion, Question, RubricCriterion, RubricLevel
from app.core.db import utcnow
from app.extensions import db


@pytest.fixture
def world(app, make):
    """A completed module with its badge, an organization, a question and a material: a row in every
    table the rules below touch."""
    learner, mentor = make.user(), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1, criteria=1), learners=[learner], mentors=[mentor])
    record = make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    exercise = group.module_version.exercises[0]
    exercise.questions.append(Question(slug="q", position=1, kind="numeric", prompt_ja="問", prompt_en="Q",
                                       answer_key={"value": 1, "tolerance": 0}))
    exercise.materials.append(Material(filename="data.csv", content_hash="0" * 64, size=10, media_type="text/csv"))
    db.session.add(Organization(name_ja="札幌市", name_en="Sapporo", kind=OrganizationKind.MUNICIPALITY))
    db.session.commit()
    return record


def _refused(statement: str, **params) -> bool:
    try:
        db.session.execute(text(statement), params)
        db.session.flush()
    except IntegrityError:
        return True
    finally:
        db.session.rollback()
    return False


@pytest.mark.parametrize("table, change", [
    # enum columns: the type and its check come from the same StrEnum
    ("user_account", "role = 'owner'"),
    ("organization", "kind = 'club'"),
    ("submission", "status = 'lost'"),
    ("review", "decision = 'maybe'"),
    ("exercise", "unlock_after_slug = 'ex-1', unlock_when = 'viewed'"),
    ("badge_issuer", "identifier_method = 'did:web'"),
    ("badge_achievement", "kind = 'course'"),
    ("badge_credential", "status = 'expired'"),
    # ranges
    ("review", "total_points = max_points + 1"),
    ("completion_record", "total_points = max_points + 1"),
    ("completion_record", "total_points = -1"),
    ("completion_record", "score_percent = 100.5"),
    ("completion_record", "score_percent = -0.5"),
    ("module_version", "estimated_hours = 0"),
    ("exercise", "position = 0"),
    ("exercise", "unlock_days_after_start = -1"),
    ("rubric_criterion", "position = 0"),
    ("question", "position = 0"),
    ("material", "size = -1"),
    ("badge_issuer", "next_status_list_index = -1"),
    ("badge_issuer_key", "number = 0"),
    ("badge_credential", "status_list_index = -1"),
    # revocations name their time and reason (and, for a completion record, who revoked it)
    ("completion_record", "revoked_at = CURRENT_TIMESTAMP"),
    ("completion_record", "revocation_reason = 'duplicate'"),
    ("completion_record", "revoked_at = CURRENT_TIMESTAMP, revocation_reason = 'duplicate'"),
    ("badge_credential", "revocation_reason = 'duplicate'"),
])
def test_database_refuses_a_row_breaking_a_rule(world, table, change):
    assert db.session.scalar(text(f"SELECT COUNT(*) FROM {table}")) >= 1
    assert _refused(f"UPDATE {table} SET {change}")


def test_a_complete_revocation_of_a_completion_record_is_accepted(world):
    mentor_id = db.session.scalar(select(User.id).where(User.role == Role.MENTOR))
    db.session.execute(text("UPDATE completion_record SET revoked_at = CURRENT_TIMESTAMP, "
                            "revocation_reason = 'duplicate', revoked_by_id = :mentor"), {"mentor": mentor_id})
    db.session.commit()
    record = db.session.scalar(select(CompletionRecord))
    assert record.revoked_at is not None and record.revocation_reason == "duplicate"
    assert record.revoked_by.role == Role.MENTOR


def test_enum_columns_read_back_as_their_enum(world):
    db.session.expire_all()
    credential = db.session.scalar(select(Credential))
    assert credential.achievement.kind is AchievementKind.MODULE
    assert credential.recipient.role is Role.LEARNER


def test_an_issuer_has_one_signing_key_at_a_time(world):
    credential = db.session.scalar(select(Credential))
    issuer_id = credential.issuer_id
    assert _refused("INSERT INTO badge_issuer_key (issuer_id, number, public_key_multibase, created_at) "
                    "VALUES (:issuer, 2, 'z-second', CURRENT_TIMESTAMP)", issuer=issuer_id)
    db.session.execute(text("UPDATE badge_issuer_key SET retired_at = CURRENT_TIMESTAMP"))
    db.session.add(IssuerKey(issuer_id=issuer_id, number=2, public_key_multibase="z-second"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(IssuerKey)) == 2


def _talent_level(issuer_id: int, level: int) -> Achievement:
    return Achievement(issuer_id=issuer_id, kind=AchievementKind.TALENT_LEVEL, talent_level=level,
                       name_ja="レベル", name_en="Level", description_ja="説明", description_en="About",
                       criteria_ja="基準", criteria_en="Criteria")


def test_an_issuer_has_one_achievement_per_talent_level(world):
    issuer_id = db.session.scalar(select(Credential.issuer_id))
    db.session.add_all([_talent_level(issuer_id, 1), _talent_level(issuer_id, 2)])
    db.session.commit()  # the module achievement (also level 1) does not count
    db.session.add(_talent_level(issuer_id, 2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("statement", [
    "DELETE FROM user_account WHERE role = 'learner'",  # enrolment, submissions, credential
    "DELETE FROM user_account WHERE role = 'mentor'",  # the reviews they wrote
    "DELETE FROM cohort",  # enrolments
    "DELETE FROM module_version",  # pinned by the cohort
    "DELETE FROM module",
    "DELETE FROM completion_record",  # the credential
    "DELETE FROM submission_version",  # reviews, the completion record's accepted work
    "DELETE FROM badge_issuer",  # keys, achievements, credentials
    "DELETE FROM rubric_criterion",  # scores
])
def test_history_cannot_be_deleted_from_under_what_refers_to_it(world, statement):
    assert _refused(statement)


def test_an_unused_cohort_takes_its_schedule_and_mentor_assignments_along(app, make):
    mentor = make.user(Role.MENTOR)
    group = make.cohort(mentors=[mentor])
    db.session.execute(text("DELETE FROM cohort WHERE id = :id"), {"id": group.id})
    db.session.commit()
    assert _count(ScheduledExercise) == 0 and _count(MentorAssignment) == 0
    assert db.session.get(User, mentor.id) is not None


def test_unused_content_goes_with_its_module(app, make):
    version = make.module_version(exercises=2, criteria=2)
    version.exercises[0].questions.append(Question(slug="q", position=1, kind="numeric", prompt_ja="問",
                                                   prompt_en="Q", answer_key={"value": 1, "tolerance": 0}))
    db.session.commit()
    db.session.execute(text("DELETE FROM module"))
    db.session.commit()
    assert [_count(m) for m in (ModuleVersion, Exercise, RubricCriterion, RubricLevel, Question)] == [0] * 5


def test_optional_references_are_cleared_when_their_row_goes(app, make):
    region = Organization(name_ja="石狩振興局", name_en="Ishikari", kind=OrganizationKind.SUBPREFECTURE)
    town = Organization(name_ja="当別町", name_en="Tobetsu", kind=OrganizationKind.MUNICIPALITY, parent=region)
    db.session.add_all([region, town])
    db.session.commit()
    organizer = make.user(Role.ORGANIZER, organization_id=region.id)
    group = make.cohort()
    group.created_by_id = organizer.id
    db.session.commit()
    db.session.execute(text("DELETE FROM organization WHERE id = :id"), {"id": region.id})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Organization, town.id).parent_id is None
    assert db.session.get(User, organizer.id).organization_id is None
    db.session.execute(text("DELETE FROM user_account WHERE id = :id"), {"id": organizer.id})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Cohort, group.id).created_by_id is None
