"""Data for the browser journeys, written straight into the database the test server uses.

The journeys drive the real server through a browser; what happens "elsewhere" meanwhile (the mentor
returns the work while the learner waits, the learner resubmits while the mentor waits) is done here
through the same services the views call, in this process, with an app made by `create_app`.
"""

import io
import itertools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app import create_app
from app.auth import services as auth
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.cohorts import services as cohorts
from app.cohorts.models import Cohort, CohortStatus, Enrolment
from app.content.models import Exercise, Module, ModuleVersion
from app.core.storage import FileStorage
from app.core.timeutil import utcnow
from app.core.transaction import commit
from app.extensions import db
from app.reviews import services as reviews
from app.reviews.models import Decision
from app.submissions import services as submissions
from app.submissions.models import Submission

PASSWORD = "browser-journey-2026"
MODULE_SLUG = "mini-module"  # tests/fixtures/content/mini-module: 01-look, then 02-plan once 01 is accepted

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    locale: str


@dataclass(frozen=True)
class Scene:
    """One cohort of the fixture module with a learner and a mentor, fresh for one test."""
    cohort_id: int
    cohort_name: str
    learner: Person
    mentor: Person
    exercise_ids: dict[str, int]  # by slug


class World:
    def __init__(self, config: dict):
        self.config = config
        self.app: Flask = create_app(config)
        self._organizer: Person | None = None
        self._password_hash = hash_password(PASSWORD)  # argon2 is slow on purpose

    # -- translations: the journeys look for the words the app shows, in the language of the journey --

    def t(self, locale: str, message: str, **variables) -> str:
        with self.app.test_request_context(), force_locale(locale):
            return gettext(message, **variables)

    # -- people and cohorts --

    def person(self, role: Role, locale: str = "ja", label: str | None = None) -> Person:
        n = next(_numbers)
        tag = secrets.token_hex(3)
        names = {Role.LEARNER: ("受講者", "Learner"), Role.MENTOR: ("メンター", "Mentor"),
                 Role.ORGANIZER: ("事務局", "Organizer"), Role.ADMIN: ("管理者", "Admin")}[role]
        name = label or f"{names[0] if locale == 'ja' else names[1]} {n}{tag[:2]}"
        with self.app.app_context():
            user = auth.create_user(db.session, email=f"{role}-{n}-{tag}@example.jp", display_name=name, role=role,
                                    organization_id=None, actor=None, locale=locale)
            user.password_hash = self._password_hash  # the same as set_password(PASSWORD), hashed once
            db.session.commit()
            person = Person(user.id, user.email, user.display_name, locale)
            db.session.remove()
        return person

    def organizer(self) -> Person:
        if self._organizer is None:
            self._organizer = self.person(Role.ORGANIZER, label="World organizer")
        return self._organizer

    def module_version_id(self) -> int:
        with self.app.app_context():
            version_id = db.session.scalar(
                select(ModuleVersion.id).join(Module).where(Module.slug == MODULE_SLUG)
                .order_by(ModuleVersion.number.desc()).limit(1))
            db.session.remove()
        assert version_id is not None, f"{MODULE_SLUG} is not loaded"
        return version_id

    def scene(self, locale: str = "ja") -> Scene:
        """A running cohort with one learner and one mentor, both using `locale`."""
        learner = self.person(Role.LEARNER, locale)
        mentor = self.person(Role.MENTOR, locale)
        actor_id = self.organizer().id
        with self.app.app_context():
            version = db.session.get(ModuleVersion, self.module_version_id())
            now = utcnow()
            starts_at, ends_at = now - timedelta(days=1), now + timedelta(days=30)
            due = {e.id: now + timedelta(days=7 * e.position) for e in version.exercises}
            actor = db.session.get(User, actor_id)
            cohort = cohorts.create_cohort(db.session, name=f"{'受講期' if locale == 'ja' else 'Cohort'} "
                                                            f"{next(_numbers)}-{secrets.token_hex(2)}",
                                           module_version=version, starts_at=starts_at, ends_at=ends_at,
                                           due_dates=due, actor=actor)
            cohorts.change_status(db.session, cohort, expected=CohortStatus.DRAFT, to=CohortStatus.RUNNING, actor=actor)
            cohorts.enrol_learners(db.session, cohort, [learner.email], actor)
            cohorts.assign_mentor(db.session, cohort, db.session.get(User, mentor.id), actor)
            db.session.commit()
            scene = Scene(cohort.id, cohort.name, learner, mentor, {e.slug: e.id for e in version.exercises})
            db.session.remove()
        return scene

    # -- what the other side does meanwhile --

    def submit(self, scene: Scene, slug: str, body: str, keep_attachments: bool = True) -> int:
        """The learner submits a new version of exercise `slug`; returns the submission id."""
        with self.app.app_context():
            enrolment = db.session.scalar(select(Enrolment).where(
                Enrolment.cohort_id == scene.cohort_id, Enrolment.user_id == scene.learner.id))
            exercise = db.session.get(Exercise, scene.exercise_ids[slug])
            previous = self._submission(enrolment.id, exercise.id)
            keep = {a.id for a in previous.versions[-1].attachments} if previous and keep_attachments else set()
            uploads = [] if previous else [submissions.Upload("notes.txt", io.BytesIO(b"field notes\n"))]
            version = submissions.submit_version(
                db.session, enrolment=enrolment, exercise=exercise, body_md=body, uploads=uploads,
                keep_attachment_ids=keep, storage=FileStorage(self.config["STORAGE_DIR"]), now=utcnow(),
                max_answer_chars=self.app.config["MAX_ANSWER_CHARS"],
                max_attachment_bytes=self.app.config["MAX_ATTACHMENT_BYTES"])
            db.session.commit()
            submission_id = version.submission_id
            db.session.remove()
        return submission_id

    def review(self, scene: Scene, slug: str, decision: Decision, points: int, feedback: str) -> None:
        """The mentor decides on the latest version of the learner's work on `slug`."""
        with self.app.app_context():
            submission = self._submission_of(scene, slug)
            version = submission.versions[-1]
            reviews.review_version(
                db.session, version=version, mentor=db.session.get(User, scene.mentor.id), decision=decision,
                points_by_criterion={c.id: points for c in submission.exercise.criteria},
                feedback_md=feedback, now=utcnow())
            commit(db.session)
            db.session.remove()

    def submission_state(self, scene: Scene, slug: str) -> dict | None:
        """What is stored for the learner's work on `slug`: status, versions and their attachments."""
        with self.app.app_context():
            submission = self._submission_of(scene, slug)
            state = None if submission is None else {
                "status": submission.status,
                "versions": [{"number": v.number, "body": v.body_md, "attachments": [a.filename for a in v.attachments]}
                             for v in submission.versions]}
            db.session.remove()
        return state

    def cohort_named(self, name: str) -> dict | None:
        with self.app.app_context():
            cohort = db.session.scalar(select(Cohort).where(Cohort.name == name))
            state = None if cohort is None else {
                "id": cohort.id, "learners": sorted(e.user.email for e in cohort.enrolments),
                "mentors": sorted(a.user.email for a in cohort.mentor_assignments)}
            db.session.remove()
        return state

    def _submission_of(self, scene: Scene, slug: str) -> Submission | None:
        enrolment_id = db.session.scalar(select(Enrolment.id).where(
            Enrolment.cohort_id == scene.cohort_id, Enrolment.user_id == scene.learner.id))
        return self._submission(enrolment_id, scene.exercise_ids[slug])

    @staticmethod
    def _submission(enrolment_id: int, exercise_id: int) -> Submission | None:
        return db.session.scalar(select(Submission).where(
            Submission.enrolment_id == enrolment_id, Submission.exercise_id == exercise_id))

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
