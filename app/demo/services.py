"""Demo data for a newcomer: an account for every role, a cohort in progress on every module and the
exemplary cases of the case library."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Organization, Role, User
from app.autocheck.services import check_answers
from app.auth.services import count_users, create_user
from app.cases.services import answer, nominate, publish
from app.catalogue.services import load_starter
from app.paths.services import load_starter as load_starter_paths
from app.cohorts.models import CohortStatus, Enrolment
from app.cohorts.services import assign_mentor, change_status, create_cohort, enrol_learners
from app.content.models import Module
from app.content.services import latest_version
from app.core.storage import FileStorage
from app.reviews.models import Decision
from app.reviews.services import review_version
from app.submissions.models import Submission
from app.submissions.services import Upload, submit_version

DEMO_PASSWORD = "enshu-demo-2026"
# The module the fullest demo cohort works through; the other modules get a cohort each too.
MAIN_MODULE = "sorachi-agriculture"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: Role
    municipality_code: str | None = None


ACCOUNTS = (
    DemoAccount("learner@example.jp", "北野 さくら", Role.LEARNER, "012106"),   # 岩見沢市
    DemoAccount("mentor@example.jp", "大学 一郎（メンター）", Role.MENTOR),
    DemoAccount("organizer@example.jp", "道庁 事務局", Role.ORGANIZER),
    DemoAccount("admin@example.jp", "管理者", Role.ADMIN),
    DemoAccount("completed@example.jp", "石狩 健", Role.LEARNER, "012173"),     # 江別市
    DemoAccount("waiting@example.jp", "夕張 みどり", Role.LEARNER, "012092"),   # 夕張市
    DemoAccount("kushiro@example.jp", "釧路 海斗", Role.LEARNER, "012068"),     # 釧路市
    DemoAccount("tourism@example.jp", "函館 あおい", Role.LEARNER, "012025"),   # 函館市
)

# A plausible answer for each step of the PBL sequence (現状分析 → … → 振り返り).
ANSWERS = (
    "## 現状の要約\n配布された模擬データから、この10年の主な変化を整理しました。\n\n"
    "| 項目 | 傾向 |\n|---|---|\n| 担い手・事業者数 | 減少 |\n| 1件あたりの規模 | 拡大 |\n\n"
    "## データの品質\n- 空欄の行が1件あります。\n",
    "## 課題\n担い手の減少に対して、作業の省力化と情報共有を同時に進める必要があります。\n\n"
    "関係者：町役場、協同組合、事業者、若手の担い手。\n",
    "## データ分析\n季節と年ごとの変化を比べ、減少が大きい地区・時期を特定しました。"
    "外れ値は入力ミスと判断し、除いて集計しています。\n",
    "## 施策案\n- 対象：5〜10件、1年間の実証\n- 費用：町負担 300万円以内（仮定）\n- KPI：作業時間 20%削減\n",
    "## 発表と振り返り\n関係者への説明資料を作り、実証の進め方と評価の方法を整理しました。"
    "次は住民向けの説明を工夫します。\n",
)
REVISION_NOTE = "\n## 修正した点\n- 2件目の不自然な値（桁の誤り）も挙げ、集計から除きました。\n"


# The other modules' cohorts: (module, cohort name, its demo learner, days since the start).
OTHER_COHORTS = (("kushiro-fisheries", "2026年度 釧路 第1期（デモ）", "kushiro@example.jp", 20),
                 ("hokkaido-tourism", "2026年度 観光DX オンライン第1期（デモ）", "tourism@example.jp", 10))
DAY = timedelta(days=1)
# Why the mentor nominated the demo's exemplary cases (the published one, the one awaiting consent).
PUBLISHED_NOTE = ("データの不備（空欄と桁の誤り）を自分で見つけ、どう扱ったかを書いたうえで集計しています。"
                  "集計表も添付されており、現状分析の手本になります。")
AWAITING_NOTE = "模擬データの不備を漏れなく挙げ、扱い方まで書けています。他の受講者の参考になります。"


def _points(version, level: int) -> dict[int, int]:
    return {c.id: min(level, c.max_points) for c in version.submission.exercise.criteria}


def _opens(cohort, exercise, earliest: datetime) -> datetime:
    """The first moment an exercise's day rule allows, not before `earliest`."""
    if exercise.unlock_days_after_start is None:
        return earliest
    return max(earliest, cohort.starts_at + timedelta(days=exercise.unlock_days_after_start, hours=1))


class _Demo:
    """Creates work through the real services, with times in the past."""

    def __init__(self, session: Session, storage: FileStorage, users: dict[str, User], now: datetime):
        self.session, self.storage, self.now = session, storage, now
        self.mentor, self.organizer = users["mentor@example.jp"], users["organizer@example.jp"]

    def cohort(self, module: Module, name: str, learners: list[str], started_days_ago: int):
        """A cohort on the module's latest version with the mentor; its exercises and enrolments by e-mail."""
        version = latest_version(self.session, module)
        starts_at = self.now - started_days_ago * DAY
        ends_at = self.now + 60 * DAY
        due = {e.id: min(ends_at, starts_at + (14 * (i + 1) + 7) * DAY) for i, e in enumerate(version.exercises)}
        cohort = create_cohort(self.session, name=name, module_version=version, starts_at=starts_at, ends_at=ends_at,
                               due_dates=due, actor=self.organizer)
        change_status(self.session, cohort, expected=CohortStatus.DRAFT, to=CohortStatus.RUNNING, actor=self.organizer)
        enrol_learners(self.session, cohort, learners, self.organizer)
        assign_mentor(self.session, cohort, self.mentor, self.organizer)
        enrolments = {e.user.email: e for e in
                      self.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))}
        return cohort, version.exercises, enrolments

    def submit(self, enrolment: Enrolment, exercise, body: str, at: datetime, files=(), keep=None):
        """A new version with `files` uploaded and the attachments of version `keep` kept."""
        return submit_version(self.session, enrolment=enrolment, exercise=exercise, body_md=body,
                              uploads=[Upload(name, io.BytesIO(data)) for name, data in files],
                              keep_attachment_ids={a.id for a in keep.attachments} if keep else set(),
                              storage=self.storage, now=at, max_answer_chars=50_000,
                              max_attachment_bytes=20 * 1024 * 1024)

    def review(self, version, decision: Decision, level: int, text: str, at: datetime):
        review_version(self.session, version=version, mentor=self.mentor, decision=decision,
                       points_by_criterion=_points(version, level), feedback_md=text, now=at)

    def answer_questions(self, enrolment: Enrolment, exercise, at: datetime, right: bool = True):
        responses = {q.id: q.handler.sample_answer(q, right) for q in exercise.questions}
        if responses:
            check_answers(self.session, enrolment=enrolment, exercise=exercise, responses=responses, now=at)

    def complete_module(self, cohort, exercises, enrolment: Enrolment) -> Submission:
        """Every required exercise accepted, the first after one revision (which keeps its file); the completion
        record is written by the signal on the last accept. Returns the first exercise's submission."""
        t = cohort.starts_at + DAY
        first, first_submission = True, None
        for exercise, body in zip(exercises, ANSWERS * 2):
            if not exercise.is_required:
                continue
            t = _opens(cohort, exercise, t)
            self.answer_questions(enrolment, exercise, t, right=not first)
            v = self.submit(enrolment, exercise, body, t,
                            files=[("集計表.csv", "項目,2015,2024\n戸数,226,161\n".encode())] if first else ())
            if first:
                self.review(v, Decision.RETURNED, 1, "データの品質で、もう一つ気になる行があります。探してみてください。",
                            t + DAY)
                self.answer_questions(enrolment, exercise, t + 2 * DAY)
                v = self.submit(enrolment, exercise, body + REVISION_NOTE, t + 2 * DAY, keep=v)
                first, first_submission = False, v.submission
            self.review(v, Decision.ACCEPTED, 3, "よく整理されています。**出典の明記**も適切です。", t + 3 * DAY)
            t += 4 * DAY
        return first_submission

    def main_cohort(self, module: Module) -> Submission:
        """One learner completed the module, one has an exercise back for revision, one waits for review.
        Returns the accepted work of the learner who completed it on the first exercise."""
        cohort, exercises, enrolments = self.cohort(
            module, "2026年度 空知 第1期（デモ）", ["learner@example.jp", "completed@example.jp", "waiting@example.jp"],
            started_days_ago=80)
        completed = self.complete_module(cohort, exercises, enrolments["completed@example.jp"])
        # The demo learner: the first exercise came back for revision, so the dashboard shows it.
        t = cohort.starts_at + 6 * DAY
        v = self.submit(enrolments["learner@example.jp"], exercises[0], ANSWERS[0], t)
        self.review(v, Decision.RETURNED, 1, "表の読み取りは良いです。次は**データの不備**（空欄や不自然な値）を"
                    "すべて挙げ、どう扱うかを書いてください。", t + DAY)
        # Waiting for review: the first two exercises.
        waiting = enrolments["waiting@example.jp"]
        self.submit(waiting, exercises[0], ANSWERS[0] + REVISION_NOTE, self.now - 3 * DAY)
        self.submit(waiting, exercises[1], ANSWERS[1], self.now - DAY)
        return completed

    def other_cohort(self, module: Module, name: str, email: str, started_days_ago: int):
        """The learner's first exercise accepted and the second submitted, if it is open by now. Returns the
        cohort, its exercises and its enrolments by e-mail (the demo learner's too)."""
        cohort, exercises, enrolments = self.cohort(module, name, [email, "learner@example.jp"], started_days_ago)
        t = cohort.starts_at + DAY
        v = self.submit(enrolments[email], exercises[0], ANSWERS[0], t)
        self.review(v, Decision.ACCEPTED, 3, "よくできています。次の課題に進んでください。", t + DAY)
        t = _opens(cohort, exercises[1], self.now - 2 * DAY)
        if t <= self.now:
            self.submit(enrolments[email], exercises[1], ANSWERS[1], t)
        return cohort, exercises, enrolments

    def published_case(self, submission: Submission) -> None:
        """The mentor nominates accepted work, its learner consents with their name shown and the organizer
        publishes it: a case in the library, a few days after the work was accepted."""
        t = submission.versions[-1].submitted_at + 2 * DAY
        nomination = nominate(self.session, submission=submission, nominator=self.mentor, note=PUBLISHED_NOTE, now=t)
        answer(self.session, nomination=nomination, user=submission.enrolment.user, consents=True, shows_name=True,
               now=t + DAY)
        publish(self.session, nomination=nomination, organizer=self.organizer, now=t + 2 * DAY)

    def case_awaiting_consent(self, cohort, exercises, enrolment: Enrolment) -> None:
        """The demo learner's first exercise accepted, then nominated by the mentor: the learner is asked
        whether it may be shared and has not answered yet."""
        t = _opens(cohort, exercises[0], cohort.starts_at + 2 * DAY)
        v = self.submit(enrolment, exercises[0], ANSWERS[0], t)
        self.review(v, Decision.ACCEPTED, 3, "データの不備まで丁寧に確認できています。", t + DAY)
        nominate(self.session, submission=v.submission, nominator=self.mentor, note=AWAITING_NOTE, now=t + 2 * DAY)


def _create_accounts(session: Session) -> dict[str, User]:
    orgs = {o.code: o for o in session.scalars(select(Organization).where(Organization.code.is_not(None)))}
    users: dict[str, User] = {}
    for account in ACCOUNTS:
        org = orgs.get(account.municipality_code) if account.municipality_code else None
        users[account.email] = create_user(session, email=account.email, display_name=account.name,
                                           role=account.role, organization_id=org.id if org else None,
                                           actor=None, password=DEMO_PASSWORD)
    return users


def create_demo_data(session: Session, storage: FileStorage, now: datetime) -> list[DemoAccount] | None:
    """Create demo accounts, a cohort in progress on every loaded module and two exemplary cases (one
    published, one awaiting the demo learner's consent), only when the database has no users. Returns the
    accounts created, or None when there was data already."""
    if count_users(session) > 0:
        return None
    modules = {m.slug: m for m in session.scalars(select(Module))}
    if MAIN_MODULE not in modules:
        raise RuntimeError(f"module {MAIN_MODULE} is not loaded; run `flask content sync` first")
    demo = _Demo(session, storage, _create_accounts(session), now)
    demo.published_case(demo.main_cohort(modules[MAIN_MODULE]))
    others = [demo.other_cohort(modules[slug], name, email, started_days_ago)
              for slug, name, email, started_days_ago in OTHER_COHORTS if slug in modules]
    if others:
        cohort, exercises, enrolments = others[0]
        demo.case_awaiting_consent(cohort, exercises, enrolments["learner@example.jp"])
    load_starter(session)
    load_starter_paths(session, now)
    session.flush()
    return list(ACCOUNTS[:4])
