"""Effective due dates (accommodations, extensions) and everything that follows them; extension requests,
decisions and grants with their refusals; accommodations; bulk extensions; calendar feeds."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cohorts.models import CohortStatus, ScheduledExercise
from app.core.db import utcnow
from app.deadlines import services
from app.deadlines.models import Accommodation, Extension, ExtensionStatus
from app.deadlines.queries import effective_due_at, effective_due_dates, effective_due_sql
from app.extensions import db

DAY = timedelta(days=1)


def _due(group, exercise):
    return db.session.scalar(select(ScheduledExercise.due_at).where(ScheduledExercise.cohort_id == group.id,
                                                                    ScheduledExercise.exercise_id == exercise.id))


def _grant(group, learner, exercise, due_at, reason="雪で道路が通行止め"):
    organizer = db.session.scalar(select(type(learner)).where(type(learner).role == Role.ORGANIZER))
    extension = services.grant_extension(db.session, group, organizer, user_id=learner.id, exercise_id=exercise.id,
                                         due_at=due_at, reason=reason, now=utcnow())
    db.session.commit()
    return extension


def _accommodate(learner, days):
    organizer = db.session.scalar(select(type(learner)).where(type(learner).role == Role.ORGANIZER))
    services.set_accommodation(db.session, learner, organizer, extra_days=days, reason="通院", now=utcnow())
    db.session.commit()


@pytest.fixture
def setting(app, make):
    organizer = make.user(Role.ORGANIZER)
    learner, other = make.user(), make.user()
    group = make.cohort(make.module_version(exercises=3, optional=(3,)), learners=[learner, other])
    # The optional third exercise has no due date.
    group.schedule[2].due_at = None
    db.session.commit()
    return group, learner, other, organizer


# The rule -------------------------------------------------------------------------------------------

def test_the_rule_takes_the_latest_of_the_accommodated_date_and_approved_extensions():
    due = utcnow()
    assert effective_due_at(due, 0, []) == due
    assert effective_due_at(due, 7, []) == due + 7 * DAY
    assert effective_due_at(due, 7, [due + 3 * DAY]) == due + 7 * DAY
    assert effective_due_at(due, 7, [due + 3 * DAY, due + 10 * DAY]) == due + 10 * DAY
    assert effective_due_at(None, 7, [due + 10 * DAY]) is None


def test_the_sql_form_agrees_with_the_rule(setting, make):
    group, learner, other, _ = setting
    first, second, optional = group.module_version.exercises
    _grant(group, learner, second, _due(group, second) + 3 * DAY)
    _accommodate(learner, 7)  # later than the extension: the extension no longer matters
    _grant(group, other, first, _due(group, first) + 3 * DAY)
    enrolments = {make.enrolment(group, u).id: u for u in (learner, other)}
    dates = effective_due_dates(db.session, list(enrolments))
    expected = {
        (make.enrolment(group, learner).id, first.id): _due(group, first) + 7 * DAY,
        (make.enrolment(group, learner).id, second.id): _due(group, second) + 7 * DAY,
        (make.enrolment(group, learner).id, optional.id): None,
        (make.enrolment(group, other).id, first.id): _due(group, first) + 3 * DAY,
        (make.enrolment(group, other).id, second.id): _due(group, second),
        (make.enrolment(group, other).id, optional.id): None,
    }
    assert dates == expected
    # With plain values instead of columns, as the mentor's neighbours query uses it.
    enrolment = make.enrolment(group, other)
    assert db.session.scalar(select(effective_due_sql(ScheduledExercise.due_at, enrolment.id, first.id, other.id))
                             .where(ScheduledExercise.cohort_id == group.id,
                                    ScheduledExercise.exercise_id == first.id)) == _due(group, first) + 3 * DAY


def test_an_accommodation_applies_to_every_cohort_present_and_future(setting, make):
    group, learner, _, _ = setting
    _accommodate(learner, 5)
    later = make.cohort(learners=[learner])
    for cohort in (group, later):
        enrolment = make.enrolment(cohort, learner)
        exercise = cohort.module_version.exercises[0]
        assert effective_due_dates(db.session, [enrolment.id])[(enrolment.id, exercise.id)] == \
            _due(cohort, exercise) + 5 * DAY


# Submitting after the end ---------------------------------------------------------------------------

def test_an_extension_past_the_end_lets_only_that_learner_submit_that_exercise(setting, make):
    group, learner, other, _ = setting
    first, second, _ = group.module_version.exercises
    _grant(group, learner, first, group.ends_at + 10 * DAY)
    after_end = group.ends_at + 2 * DAY
    mine, theirs = make.enrolment(group, learner), make.enrolment(group, other)

    def open_(enrolment, exercise, now=after_end):
        return services.submissions_open_for(db.session, group, enrolment_id=enrolment.id, exercise_id=exercise.id,
                                             now=now)

    assert open_(mine, first)
    assert not open_(mine, second)
    assert not open_(theirs, first)
    assert not open_(mine, first, now=group.ends_at + 11 * DAY)
    group.status = CohortStatus.CLOSED
    assert open_(mine, first)
    group.status = CohortStatus.ARCHIVED
    assert not open_(mine, first)
