"""Writing simulated journeys of one cohort: submissions, versions, reviews, scores, question attempts,
completion records and their credentials, each table in one bulk statement."""

import random
import time
import uuid as uuidlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.autocheck.models import QuestionAttempt
from app.badges import documents
from app.badges.models import Achievement, Credential, CredentialStatus, Issuer
from app.badges.urls import BadgeUrls
from app.completions.models import CompletionRecord, completion_accepted_version
from app.content.models import ModuleVersion
from app.core.markdown import render_markdown
from app.reviews.models import CriterionScore, Decision, Review
from app.seed.journeys import CohortFrame, CompletionPlan, ExerciseSpec, Journey, simulate
from app.seed.signing import Signer
from app.submissions.models import Submission, SubmissionVersion

ANSWER = ("## {title}\n配布された模擬データを読み、地域の現状と課題を整理しました（生成データ・第{number}版）。\n\n"
          "| 項目 | 傾向 |\n|---|---|\n| 担い手 | 減少 |\n| 1件あたりの規模 | 拡大 |\n")
FEEDBACK = {Decision.ACCEPTED: "よく整理されています。**出典の明記**も適切です。",
            Decision.RETURNED: "データの不備（空欄や不自然な値）をすべて挙げ、どう扱うかを書いてください。"}
REVOCATION_REASON = "受講記録の誤りが見つかったため取り消しました（生成データ）。"


@dataclass(frozen=True)
class CohortWork:
    cohort_id: int
    name: str
    version: ModuleVersion
    exercises: list[ExerciseSpec]
    frame: CohortFrame
    enrolment_ids: list[int]
    learner_ids: list[int]
    need_approval: bool


class Bulk:
    """Inserts many rows in one statement, counting them by table."""

    def __init__(self, session: Session):
        self.session = session
        self.counts: Counter = Counter()

    def ids(self, model, rows: list[dict]) -> list[int]:
        """Insert and return the new ids in the order of `rows`."""
        self.counts[model.__tablename__] += len(rows)
        if not rows:
            return []
        table = model.__table__
        return list(self.session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())

    def rows(self, table, rows: list[dict]) -> None:
        self.counts[table.name] += len(rows)
        if rows:
            self.session.execute(insert(table), rows)


class WorkWriter:
    def __init__(self, bulk: Bulk, signer: Signer, urls: BadgeUrls, issuer: Issuer,
                 achievements: dict[int, Achievement], report):
        self.bulk, self.session, self.signer, self.urls, self.issuer = bulk, bulk.session, signer, urls, issuer
        self.achievements, self.report = achievements, report
        self.first_status_index = self.next_status_index = issuer.next_status_list_index
        self.learners = {row.id: row for row in self.session.execute(
            select(User.id, User.email, User.display_name, User.publishes_badge_evidence)
            .where(User.role == Role.LEARNER))}
        self.feedback_html = {k: str(render_markdown(v)) for k, v in FEEDBACK.items()}
        self.answers: dict[tuple[int, int], tuple[str, str]] = {}
        self.version_id: dict[int, int] = {}   # id() of a VersionPlan of the cohort being written → row id

    def _answer(self, exercise: ExerciseSpec, number: int) -> tuple[str, str]:
        key = (exercise.id, min(number, 3))
        if key not in self.answers:
            body = ANSWER.format(title=exercise.title_ja, number=key[1])
            self.answers[key] = (body, str(render_markdown(body)))
        return self.answers[key]

    def write(self, rng: random.Random, work: CohortWork, now: datetime) -> None:
        journeys = [simulate(rng, work.exercises, work.frame, now) for _ in work.enrolment_ids]
        submissions = [(enrolment_id, s) for enrolment_id, j in zip(work.enrolment_ids, journeys) for s in j.submissions]
        submission_ids = self.bulk.ids(Submission, [
            {"enrolment_id": e, "exercise_id": s.exercise.id, "status": s.status,
             "latest_version_number": len(s.versions), "last_submitted_at": s.versions[-1].at} for e, s in submissions])
        versions = [(sid, s.exercise, v) for sid, (_, s) in zip(submission_ids, submissions) for v in s.versions]
        version_ids = self.bulk.ids(SubmissionVersion, [
            {"submission_id": sid, "number": v.number, "body_md": self._answer(e, v.number)[0],
             "body_html": self._answer(e, v.number)[1], "submitted_at": v.at} for sid, e, v in versions])
        self.version_id = {id(v): vid for vid, (_, _, v) in zip(version_ids, versions)}
        reviewed = [(vid, e, v.review) for vid, (_, e, v) in zip(version_ids, versions) if v.review is not None]
        review_ids = self.bulk.ids(Review, [
            {"submission_version_id": vid, "mentor_id": r.mentor_id, "decision": r.decision,
             "feedback_md": FEEDBACK[r.decision], "feedback_html": self.feedback_html[r.decision],
             "total_points": r.total, "max_points": e.max_points, "created_at": r.at} for vid, e, r in reviewed])
        self.bulk.rows(CriterionScore.__table__, [
            {"review_id": rid, "criterion_id": c, "points": p}
            for rid, (_, _, r) in zip(review_ids, reviewed) for c, p in r.points.items()])
        self.bulk.rows(QuestionAttempt.__table__, [
            {"enrolment_id": e, "question_id": a.question_id, "response": a.response, "is_correct": a.is_correct,
             "attempted_at": a.at} for e, j in zip(work.enrolment_ids, journeys) for a in j.attempts])
        self._completions(rng, work, journeys)

    def _completions(self, rng: random.Random, work: CohortWork, journeys: list[Journey]) -> None:
        done = [(e, u, j.completion) for e, u, j in zip(work.enrolment_ids, work.learner_ids, journeys) if j.completion]
        record_ids = self.bulk.ids(CompletionRecord, [
            {"enrolment_id": e, "module_version_id": work.version.id, "completed_at": c.at,
             "total_points": c.total_points, "max_points": c.max_points, "score_percent": c.score_percent}
            for e, _, c in done])
        self.bulk.rows(completion_accepted_version, [
            {"completion_record_id": rid, "submission_version_id": self.version_id[id(s.versions[-1])]}
            for rid, (_, _, c) in zip(record_ids, done) for s in c.accepted])
        self._credentials(rng, work, [(rid, u, c) for rid, (_, u, c) in zip(record_ids, done)])

    def _evidence(self, work: CohortWork, completion: CompletionPlan, credential: Credential) -> list[dict]:
        """As badges.issuing._evidence builds it from the stored records."""
        evidence = []
        for submission in completion.accepted:
            version, exercise = submission.versions[-1], submission.exercise
            item = {"type": ["Evidence"], "name": exercise.title_ja, "description": exercise.title_en,
                    "narrative": f"第{version.number}版を{version.at:%Y-%m-%d}に提出し、合格"
                                 f"（{version.review.total}/{exercise.max_points}点）。"}
            if credential.evidence_public:
                item["id"] = self.urls.evidence(credential.uuid, exercise.slug)
            evidence.append(item)
        evidence.append({"type": ["Evidence"], "name": f"受講期: {work.name}",
                         "narrative": f"修了日 {completion.at:%Y-%m-%d}。得点率 {completion.score_percent:.1f}%。"})
        return evidence

    def _credentials(self, rng: random.Random, work: CohortWork, done: list[tuple[int, int, CompletionPlan]]) -> None:
        achievement = self.achievements[work.version.id]
        rows, to_sign = [], []
        for record_id, learner_id, completion in done:
            learner = self.learners[learner_id]
            credential = Credential(
                uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), achievement=achievement,
                issuer=self.issuer, issuer_id=self.issuer.id, status_list_index=self.next_status_index,
                recipient_salt="%032x" % rng.getrandbits(128), display_name=learner.display_name,
                evidence_public=learner.publishes_badge_evidence, narrative=None)
            self.next_status_index += 1
            revoked = not work.frame.is_current and rng.random() < 0.005
            status = (CredentialStatus.AWAITING_APPROVAL if work.need_approval
                      else CredentialStatus.REVOKED if revoked else CredentialStatus.ISSUED)
            rows.append({"uuid": credential.uuid, "completion_record_id": record_id, "achievement_id": achievement.id,
                         "issuer_id": self.issuer.id, "recipient_id": learner_id, "status": str(status),
                         "status_list_index": credential.status_list_index, "recipient_salt": credential.recipient_salt,
                         "narrative": None, "display_name": credential.display_name,
                         "evidence_public": credential.evidence_public, "ob3_json": None,
                         "issued_at": None if work.need_approval else completion.at,
                         "revoked_at": completion.at + timedelta(days=30) if revoked else None,
                         "revocation_reason": REVOCATION_REASON if revoked else None, "created_at": completion.at})
            if not work.need_approval:
                document = documents.ob3_credential(credential, learner.email,
                                                    self._evidence(work, completion, credential), completion.at,
                                                    self.urls)
                to_sign.append((len(rows) - 1, document, completion.at))
        started = time.perf_counter()
        for (index, _, _), signed in zip(to_sign, self.signer.sign([(d, at) for _, d, at in to_sign])):
            rows[index]["ob3_json"] = signed
        self.report.signing_seconds += time.perf_counter() - started
        self.report.signed += len(to_sign)
        self.bulk.rows(Credential.__table__, rows)

    def finish(self) -> None:
        """Hand out the status list indexes used, as badges.issuing._next_status_index would have."""
        table = Issuer.__table__
        self.session.execute(update(table).where(table.c.id == self.issuer.id).values(
            next_status_list_index=table.c.next_status_list_index + (self.next_status_index - self.first_status_index)))
        self.session.expire(self.issuer, ["next_status_list_index"])
        self.session.flush()
