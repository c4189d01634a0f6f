"""Demo data for a newcomer: an account for every role and a cohort in progress."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import Organization, Role, User
from app.auth.services import count_users, create_user
from app.cohorts.models import Enrolment
from app.cohorts.services import assign_mentor, create_cohort, enrol_learners
from app.content.models import Module
from app.content.services import latest_version
from app.core.storage import FileStorage
from app.reviews.models import Decision
from app.reviews.services import review_version
from app.submissions.services import Upload, submit_version

DEMO_PASSWORD = "enshu-demo-2026"
DEMO_MODULE = "sorachi-agri-intro"


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
)

ANSWER_1 = """## 現状の要約
北地区・南地区とも農家戸数は10年で約3割減り、1戸あたりの経営面積は広がっています。

| 地区 | 2015年 | 2024年 |
|---|---|---|
| 北地区 | 129戸 | 93戸 |
| 南地区 | 97戸 | 68戸 |

## データの品質
- 2019年 南地区の平均年齢が空欄です。
"""

ANSWER_1_REVISED = ANSWER_1 + """- 2021年 北地区の水稲作付面積 10085ha は経営面積を超えており、入力ミス（1,085ha）と考えられます。

## 公表データとの比較
空知総合振興局「空知の概要 農業」でも農家戸数の減少が示されており、傾向は一致しています。
"""

ANSWER_2 = """## 課題
担い手の減少に対して、作業の省力化と農地の集約を同時に進める必要があります。

関係者：JA、町役場 農政課、土地改良区、若手農業者。
"""

ANSWER_3 = """## 施策案：自動操舵の共同利用実証
- 対象：5〜10戸、1年間
- 費用：町負担 300万円以内、補助率1/2（仮定）
- KPI：作業時間 20%削減、参加戸数 8戸
"""


def _score(version, level: int) -> dict[int, int]:
    return {c.id: min(level, c.max_points) for c in version.submission.exercise.criteria}


def create_demo_data(session: Session, storage: FileStorage, now: datetime) -> list[DemoAccount] | None:
    """Create demo accounts and a cohort in progress, only when the database has no users.
    Returns the accounts created, or None when there was data already."""
    if count_users(session) > 0:
        return None
    module = session.scalar(select(Module).where(Module.slug == DEMO_MODULE))
    if module is None:
        raise RuntimeError(f"module {DEMO_MODULE} is not loaded; run `flask content sync` first")
    orgs = {o.code: o for o in session.scalars(select(Organization).where(Organization.code.is_not(None)))}
    users: dict[str, User] = {}
    for account in ACCOUNTS:
        org = orgs.get(account.municipality_code) if account.municipality_code else None
        users[account.email] = create_user(session, email=account.email, display_name=account.name,
                                           role=account.role, organization_id=org.id if org else None,
                                           actor=None, password=DEMO_PASSWORD)
    organizer, mentor = users["organizer@example.jp"], users["mentor@example.jp"]
    version = latest_version(session, module)
    starts_at = now - timedelta(days=21)
    exercises = version.exercises
    due = {e.id: now + timedelta(days=7 * (i + 1)) for i, e in enumerate(exercises)}
    cohort = create_cohort(session, name="2026年度 空知 第1期（デモ）", module_version=version, starts_at=starts_at,
                           ends_at=now + timedelta(days=60), due_dates=due, actor=organizer)
    enrol_learners(session, cohort, ["learner@example.jp", "completed@example.jp", "waiting@example.jp"], organizer)
    assign_mentor(session, cohort, mentor, organizer)
    enrolments = {e.user.email: e for e in session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))}

    def submit(email: str, exercise, body: str, at: datetime, files=()):
        return submit_version(session, enrolment=enrolments[email], exercise=exercise, body_md=body,
                              uploads=[Upload(name, io.BytesIO(data)) for name, data in files],
                              keep_attachment_ids=set(), storage=storage, now=at, max_answer_chars=50_000,
                              max_attachment_bytes=20 * 1024 * 1024)

    def review(version_, decision: Decision, level: int, text: str, at: datetime):
        review_version(session, version=version_, mentor=mentor, decision=decision,
                       points_by_criterion=_score(version_, level), feedback_md=text, now=at)

    day = timedelta(days=1)
    # Completed the whole module: the completion record is written by the signal on the last accept.
    v = submit("completed@example.jp", exercises[0], ANSWER_1, starts_at + 2 * day)
    review(v, Decision.RETURNED, 1, "データの品質で、もう一つ気になる行があります。探してみてください。", starts_at + 3 * day)
    v = submit("completed@example.jp", exercises[0], ANSWER_1_REVISED, starts_at + 4 * day,
               files=[("集計表.csv", "地区,2015,2024\n北地区,129,93\n南地区,97,68\n".encode())])
    review(v, Decision.ACCEPTED, 3, "よく読み取れています。**出典の明記**も適切です。", starts_at + 5 * day)
    for i, (exercise, body) in enumerate(zip(exercises[1:], (ANSWER_2, ANSWER_3)), start=1):
        v = submit("completed@example.jp", exercise, body, starts_at + (5 + 2 * i) * day)
        review(v, Decision.ACCEPTED, 2, "要点が押さえられています。", starts_at + (6 + 2 * i) * day)

    # The demo learner: first exercise came back for revision, so the dashboard shows it.
    v = submit("learner@example.jp", exercises[0], ANSWER_1, starts_at + 6 * day)
    review(v, Decision.RETURNED, 1, "表の読み取りは良いです。次は**データの不備**（空欄や不自然な値）を"
           "すべて挙げ、どう扱うかを書いてください。", starts_at + 7 * day)

    # Waiting for review.
    submit("waiting@example.jp", exercises[0], ANSWER_1_REVISED, now - 2 * day)
    submit("waiting@example.jp", exercises[1], ANSWER_2, now - day)
    session.flush()
    return list(ACCOUNTS[:4])
