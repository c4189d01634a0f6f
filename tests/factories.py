"""Test data builders (gen_* style): each returns flushed, committed model objects."""

import io
import itertools
from datetime import timedelta

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise
from app.content.models import Exercise, Module, ModuleVersion, RubricCriterion, RubricLevel
from app.core.db import utcnow
from app.core.transaction import commit
from app.extensions import db

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashing is deliberately slow; do it once
_counter = itertools.count(1)


def user(role: Role = Role.LEARNER, email: str | None = None, name: str | None = None, **fields) -> User:
    n = next(_counter)
    person = User(email=email or f"user{n}@example.jp", display_name=name or f"利用者{n}", role=str(role),
                  password_hash=fields.pop("password_hash", _PASSWORD_HASH), **fields)
    db.session.add(person)
    db.session.commit()
    return person


def module_version(exercises: int = 2, criteria: int = 3, slug: str | None = None,
                   optional: tuple[int, ...] = ()) -> ModuleVersion:
    """A module version with `exercises` exercises, each with a rubric of `criteria` criteria
    scored 0–3 points."""
    n = next(_counter)
    module = Module(slug=slug or f"module-{n}")
    version = ModuleVersion(module=module, number=1, content_hash=f"{n:064x}", title_ja=f"モジュール{n}",
                            title_en=f"Module {n}", summary_ja_html="<p>概要</p>", summary_en_html="<p>Summary</p>",
                            objectives=[{"ja": "目標", "en": "Objective"}], target_level=1, estimated_hours=4)
    for position in range(1, exercises + 1):
        exercise = Exercise(slug=f"ex-{position}", position=position, title_ja=f"課題{position}",
                            title_en=f"Exercise {position}", brief_ja_md="# 課題", brief_ja_html="<h1>課題</h1>",
                            brief_en_md="# Task", brief_en_html="<h1>Task</h1>",
                            is_required=position not in optional)
        for c in range(1, criteria + 1):
            criterion = RubricCriterion(slug=f"c{c}", position=c, title_ja=f"観点{c}", title_en=f"Criterion {c}",
                                        max_points=3)
            criterion.levels = [RubricLevel(points=p, descriptor_ja=f"水準{p}", descriptor_en=f"Level {p}")
                                for p in range(4)]
            exercise.criteria.append(criterion)
        version.exercises.append(exercise)
    db.session.add(version)
    db.session.commit()
    return version


def cohort(version: ModuleVersion | None = None, *, learners=(), mentors=(), days_open: int = 30,
           started_days_ago: int = 1, name: str = "テスト受講期", status: CohortStatus = CohortStatus.RUNNING) -> Cohort:
    version = version or module_version()
    now = utcnow()
    group = Cohort(name=name, module_version=version, status=status, starts_at=now - timedelta(days=started_days_ago),
                   ends_at=now - timedelta(days=started_days_ago) + timedelta(days=days_open))
    for i, exercise in enumerate(version.exercises, start=1):
        group.schedule.append(ScheduledExercise(exercise=exercise, due_at=min(now + timedelta(days=i), group.ends_at)))
    db.session.add(group)
    for learner in learners:
        db.session.add(Enrolment(cohort=group, user=learner))
    for mentor in mentors:
        db.session.add(MentorAssignment(cohort=group, user=mentor))
    db.session.commit()
    return group


def enrolment(group: Cohort, learner: User) -> Enrolment:
    return db.session.scalar(db.select(Enrolment).where(Enrolment.cohort_id == group.id,
                                                        Enrolment.user_id == learner.id))


def scores(exercise: Exercise, points: int = 3) -> dict:
    """Form data that scores every criterion of `exercise` at `points`."""
    return {f"criterion_{c.id}": str(points) for c in exercise.criteria}


def pdf_file(name: str = "report.pdf", size: int = 100) -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"%PDF-1.4\n" + b"0" * size), name


def complete_module(group: Cohort, learner: User, mentor: User, storage_dir: str, points: int = 3):
    """Submit and accept every exercise of the cohort for `learner` through the real services,
    which writes the completion record (and, through its signal, the badge). Returns the record."""
    from app.completions.models import CompletionRecord
    from app.core.storage import FileStorage
    from app.reviews.services import review_version
    from app.submissions.services import submit_version

    enrolled = enrolment(group, learner)
    for exercise in group.module_version.exercises:
        version = submit_version(db.session, enrolment=enrolled, exercise=exercise, body_md=f"{exercise.slug} の回答",
                                 uploads=[], keep_attachment_ids=set(), storage=FileStorage(storage_dir),
                                 now=utcnow(), max_answer_chars=10_000, max_attachment_bytes=10_000)
        review_version(db.session, version=version, mentor=mentor, decision="accepted",
                       points_by_criterion={c.id: points for c in exercise.criteria}, feedback_md="合格です。",
                       now=utcnow())
    commit(db.session)  # runs what waits for the commit: the badge is issued after it
    return db.session.scalar(db.select(CompletionRecord).where(CompletionRecord.enrolment_id == enrolled.id))


def badge_awaiting_approval(storage_dir: str) -> tuple[User, Cohort]:
    """A learner who completed a one-exercise module in a cohort whose badges wait for an organizer's
    approval: their credential is created, not yet signed. Returns (learner, cohort)."""
    learner, mentor = user(Role.LEARNER), user(Role.MENTOR)
    group = cohort(module_version(exercises=1), learners=[learner], mentors=[mentor])
    group.badges_need_approval = True
    db.session.commit()
    complete_module(group, learner, mentor, storage_dir)
    return learner, group
