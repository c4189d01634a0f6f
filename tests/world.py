"""A small world of real objects for the tests that walk every route (authorization matrix, CSRF,
hostile input): two cohorts on two module versions, each with its learner and mentor; an organizer;
an administrator; a completed module with its issued badge, an attachment, a material and a numeric
question."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.services import invitation_link_token, password_reset_token
from app.badges.models import Credential
from app.cases.models import CaseConsent, CaseNomination, ConsentState
from app.catalogue.models import CatalogueCourse
from app.cohorts.models import Cohort
from app.content.models import Exercise, Material, Question
from app.core.db import utcnow
from app.deadlines.models import CalendarFeed, Extension, ExtensionStatus
from app.core.storage import FileStorage
from app.extensions import db
from app.notifications.models import Notification
from app.paths.models import LearningPath, PathStep
from app.groups.models import CohortGroup, GroupMembership
from app.submissions.models import Attachment, Submission
from tests import factories

# Who asks, in the order the matrix lists them. "other_" people belong to the second cohort only.
ROLES = ("anonymous", "learner", "other_learner", "mentor", "other_mentor", "organizer", "admin")


@dataclass
class World:
    people: dict[str, User]
    fresh_learner: User  # enrolled in cohort A with nothing submitted yet
    invitee: User  # an account that has not chosen a password yet
    cohort: Cohort
    other_cohort: Cohort
    exercise: Exercise
    submission: Submission
    attachment: Attachment
    material: Material
    question: Question  # numeric, in cohort A's exercise
    credential: Credential
    notification: Notification  # the learner's, about the accepted work
    group: CohortGroup  # in cohort A, with the fresh learner in it
    course: CatalogueCourse
    case: CaseNomination  # the learner's accepted work, consented (name shown) and published, with the attachment
    path: LearningPath  # cohort A's module, then the course (optional)
    extension: Extension  # the fresh learner's waiting request for more time on cohort A's exercise
    calendar_token: str  # the learner's secret calendar address
    invitation_token: str
    reset_token: str

    def url_values(self, endpoint: str) -> dict:
        """Real objects for every URL argument, all belonging to cohort A and its learner."""
        values = {
            "user_id": self.people["learner"].id, "cohort_id": self.cohort.id, "exercise_id": self.exercise.id,
            "submission_id": self.submission.id, "attachment_id": self.attachment.id,
            "material_id": self.material.id, "module_version_id": self.cohort.module_version_id,
            "achievement_id": self.credential.achievement_id, "issuer_id": self.credential.issuer_id,
            "uuid": self.credential.uuid, "slug": self.exercise.slug, "filename": "enshu.css", "kind": "mentor",
            "notification_id": self.notification.id,
            "group_id": self.group.id,
            "course_id": self.course.id,
            "case_id": self.case.id,
            "path_id": self.path.id,
            "extension_id": self.extension.id,
        }
        if endpoint in ("modules.changes", "modules.mentor_packs"):
            values["slug"] = self.cohort.module_version.module.slug
        if endpoint == "auth.accept_invitation":
            values["token"] = self.invitation_token
        if endpoint in ("deadlines.learner_feed", "deadlines.cohort_feed"):
            values["token"] = self.calendar_token
        if endpoint == "auth.reset_password":
            values["token"] = self.reset_token
        if endpoint == "admin.sign_out_everywhere":
            # Someone no client is signed in as: ending their sessions changes nothing another cell needs.
            values["user_id"] = self.invitee.id
        if endpoint in ("enrolments.withdraw", "enrolments.readmit", "enrolments.move"):
            # The learner with nothing submitted: withdrawing or re-admitting them changes nothing another
            # cell depends on.
            values["user_id"] = self.fresh_learner.id
        if endpoint == "selfenrol.join":
            values["code"] = self.cohort.join_code
        if endpoint in ("selfenrol.settings", "selfenrol.new_code"):
            # The other cohort: an empty settings form turns self-enrolment off, and cohort A keeps its code.
            values["cohort_id"] = self.other_cohort.id
        if endpoint == "cohorts.change_status":
            # Cohort A runs; closing is a move it may make (the empty form names no state, so nothing moves).
            values["to"] = "closed"
        if endpoint == "cohorts.unassign_mentor":
            # The other cohort's mentor: removing a mentor who is not assigned changes nothing.
            values["user_id"] = self.people["other_mentor"].id
        return values


def build(app) -> World:
    storage_dir = app.config["STORAGE_DIR"]
    people = {
        "learner": factories.user(Role.LEARNER), "other_learner": factories.user(Role.LEARNER),
        "mentor": factories.user(Role.MENTOR), "other_mentor": factories.user(Role.MENTOR),
        "organizer": factories.user(Role.ORGANIZER), "admin": factories.user(Role.ADMIN),
    }
    fresh_learner = factories.user(Role.LEARNER)
    invitee = factories.user(Role.LEARNER, password_hash=None)
    cohort = factories.cohort(factories.module_version(exercises=1, criteria=1),
                              learners=[people["learner"], fresh_learner], mentors=[people["mentor"]])
    other_cohort = factories.cohort(factories.module_version(exercises=1, criteria=1),
                                    learners=[people["other_learner"]], mentors=[people["other_mentor"]])
    record = factories.complete_module(cohort, people["learner"], people["mentor"], storage_dir)
    exercise = cohort.module_version.exercises[0]
    storage = FileStorage(storage_dir)
    data, name = factories.pdf_file()
    content = data.getvalue()
    version = record.accepted_versions[0]
    attachment = Attachment(submission_version=version, filename=name, content_hash=storage.put_bytes(content),
                            size=len(content), media_type="application/pdf")
    question = Question(exercise=exercise, slug="population", position=1, kind="numeric", prompt_ja="人口は？",
                        prompt_en="Population?", answer_key={"value": 93, "tolerance": 0}, unit_ja="人",
                        unit_en="people")
    material = Material(exercise=exercise, filename="data.csv", content_hash=storage.put_bytes(b"a,b\n1,2\n"),
                        size=8, media_type="text/csv")
    # A real title's parenthesised phrase is wider than a phone's line: pages must still fit 375 px.
    course = CatalogueCourse(url="https://example.jp/course", title="JMOOC（日本オープンオンライン教育推進協議会）の講座",
                             provider="提供者", language="ja", level=1, last_checked_on=date(2026, 11, 30),
                             search_text="JMOOC（日本オープンオンライン教育推進協議会）の講座")
    path = LearningPath(name_ja="パス", name_en="Path", talent_level=1, steps=[
        PathStep(position=1, module_id=cohort.module_version.module_id, is_required=True),
        PathStep(position=2, course=course, is_required=False)])
    db.session.add_all([attachment, material, question, course, path])
    credential = db.session.scalar(select(Credential).where(Credential.completion_record_id == record.id))
    credential.evidence_public = True
    notification = db.session.scalar(select(Notification).where(Notification.recipient_id == people["learner"].id)
                                     .order_by(Notification.id))
    group = CohortGroup(cohort=cohort, name="1班")
    group.memberships.append(GroupMembership(enrolment=factories.enrolment(cohort, fresh_learner)))
    db.session.add(group)
    extension = Extension(enrolment=factories.enrolment(cohort, fresh_learner), exercise=exercise,
                          status=ExtensionStatus.REQUESTED, reason="出張のため")
    db.session.add(extension)
    db.session.add(CalendarFeed(user=people["learner"], token="learner-calendar-token"))
    cohort.join_code = "ABCD2345"  # self-enrolment on, for the /join/<code> page
    now = utcnow()
    case = CaseNomination(submission=version.submission, submission_version=version, nominated_by=people["mentor"],
                          note="模範的な回答", nominated_at=now, published_at=now,
                          consents=[CaseConsent(user=people["learner"], state=ConsentState.CONSENTED, shows_name=True,
                                                answered_at=now)])
    db.session.add(case)
    db.session.commit()
    secret = app.config["SECRET_KEY"]
    return World(people=people, fresh_learner=fresh_learner, invitee=invitee, cohort=cohort,
                 other_cohort=other_cohort, exercise=exercise, submission=version.submission, attachment=attachment,
                 material=material, question=question, credential=credential, notification=notification,
                 group=group,
                 course=course, case=case, path=path, extension=extension, calendar_token="learner-calendar-token",
                 invitation_token=invitation_link_token(invitee, secret),
                 reset_token=password_reset_token(invitee, secret))


def row_counts() -> dict[str, int]:
    """Committed rows of every table, read on a connection of its own."""
    tables = db.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(table).scalar_subquery().label(table.name)
                      for table in tables))
    with db.engine.connect() as conn:
        return dict(conn.execute(counts).one()._mapping)


_CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def csrf_token(html: str) -> str | None:
    match = _CSRF_INPUT.search(html)
    return match.group(1) if match else None


def signed_in_client(app, user: User | None):
    """A test client signed in through the real login form (with its CSRF token when CSRF is on)."""
    client = app.test_client()
    if user is None:
        return client
    data = {"email": user.email, "password": factories.PASSWORD}
    token = csrf_token(client.get("/login").get_data(as_text=True))
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client
