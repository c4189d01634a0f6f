"""Review checks (issue 13): the release gate, moderation (second review), calibration and the agreement
statistic, and the mentors' statistics."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cohorts.models import MentorAssignment
from app.completions.models import CompletionRecord
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews import calibration, gate, mentor_stats
from app.reviews.agreement import krippendorff_alpha_interval
from app.reviews.models import (CalibrationAttempt, CalibrationReference, Decision, DecisionProposal, ProposalState,
                                Review, ReviewDraft)
from app.submissions.models import SubmissionStatus
from app.submissions.services import submit_version


# --- the agreement statistic --------------------------------------------------------------------------

def test_krippendorff_alpha_matches_the_hand_computed_example():
    """Four answers, scores 1–3; the fourth was scored by three mentors, a fifth by one only (left out).

        u1 = [1, 1]   u2 = [2, 3]   u3 = [3, 3]   u4 = [1, 2, 2]   u5 = [3]

    Coincidences (each ordered pair of two scores of a unit adds 1 / (m_u − 1)):
        u1 (m=2): (1,1) twice → o11 = 2
        u2 (m=2): (2,3), (3,2) → o23 = 1, o32 = 1
        u3 (m=2): (3,3) twice → o33 = 2
        u4 (m=3, each pair ½): (1,2) (1,2) (2,1) (2,1) (2,2) (2,2) → o12 = 1, o21 = 1, o22 = 1
    n_1 = o11 + o12 = 3, n_2 = o21 + o22 + o23 = 3, n_3 = o32 + o33 = 3, n = 9.
    Σ o_ck (c − k)² = o12 + o21 + o23 + o32 = 4 (each distance 1).
    Σ n_c n_k (c − k)² = 2·(3·3·1) [1,2] + 2·(3·3·1) [2,3] + 2·(3·3·4) [1,3] = 18 + 18 + 72 = 108.
    α = 1 − (n − 1) · 4 / 108 = 1 − 32/108 = 19/27 ≈ 0.7037."""
    result = krippendorff_alpha_interval([[1, 1], [2, 3], [3, 3], [1, 2, 2], [3]])
    assert result.alpha == pytest.approx(19 / 27)
    assert (result.units, result.values) == (4, 9)


def test_alpha_is_one_for_full_agreement_and_undefined_without_variation_or_pairs():
    assert krippendorff_alpha_interval([[0, 0], [3, 3], [1, 1]]).alpha == pytest.approx(1.0)
    assert krippendorff_alpha_interval([[2, 2], [2, 2]]).alpha is None
    assert krippendorff_alpha_interval([[2], [3]]).alpha is None
    # Systematic disagreement is below zero.
    assert krippendorff_alpha_interval([[0, 3], [3, 0]]).alpha < 0


# --- the world of these tests ---------------------------------------------------------------------------

@pytest.fixture
def login_en(login_as):
    """A client signed in as the user, reading the English pages (the messages checked below)."""
    def _login(user):
        client = login_as(user)
        client.post("/language", data={"locale": "en"})
        return client
    return _login


@pytest.fixture
def world(app, make):
    """A cohort with one exercise (its acceptance completes the module), a learner who submitted, two
    mentors and an organizer."""
    learner, mentor, second = make.user(Role.LEARNER), make.user(Role.MENTOR), make.user(Role.MENTOR)
    organizer = make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=1, criteria=2), learners=[learner], mentors=[mentor, second])
    version = _submit(app, make, group, learner, "回答です")
    return type("World", (), dict(learner=learner, mentor=mentor, second=second, organizer=organizer, group=group,
                                  exercise=group.module_version.exercises[0], version=version))


def _submit(app, make, group, learner, body):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner),
                             exercise=group.module_version.exercises[0], body_md=body, uploads=[],
                             keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
                             max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    return version


def _decide(client, make, version, decision="accept", feedback="よくできています", points=3):
    data = {"version_id": str(version.id), "feedback": feedback, **make.scores(version.submission.exercise, points),
            "accept" if decision == "accept" else "return_for_revision": "1"}
    return client.post(f"/review/submissions/{version.submission_id}", data=data)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _proposal() -> DecisionProposal:
    db.session.expire_all()
    return db.session.scalar(select(DecisionProposal).order_by(DecisionProposal.id.desc()))


def _checks(group, **values):
    for name, value in values.items():
        setattr(group, name, value)
    db.session.commit()


# --- the release gate ----------------------------------------------------------------------------------

def test_a_new_mentors_acceptance_is_held_and_reaches_the_learner_only_when_released(world, make, login_en):
    _checks(world.group, release_gate=True, release_gate_decisions=1)
    mentor = login_en(world.mentor)
    response = _decide(mentor, make, world.version)
    assert "release it" in mentor.get(response.location).get_data(as_text=True)
    proposal = _proposal()
    assert (proposal.state, proposal.decision) == (ProposalState.HELD, Decision.ACCEPTED)
    # Nothing reached the learner: no review, still awaiting review, no completion record.
    assert (_count(Review), _count(CompletionRecord)) == (0, 0)
    assert world.version.submission.status == SubmissionStatus.AWAITING_REVIEW
    learner_page = login_en(world.learner).get(
        f"/cohorts/{world.group.id}/exercises/{world.exercise.id}").get_data(as_text=True)
    assert "よくできています" not in learner_page
    # Another mentor sees the held decision instead of a scoring form.
    page = login_en(world.second).get(f"/review/submissions/{world.version.submission_id}").get_data(as_text=True)
    assert "Decision waiting for release" in page and 'name="accept"' not in page
    assert f"/review/cohorts/{world.group.id}/decisions" not in page  # not a lead mentor

    organizer = login_en(world.organizer)
    assert "よくできています" in organizer.get(f"/review/cohorts/{world.group.id}/decisions").get_data(as_text=True)
    response = organizer.post(f"/review/cohorts/{world.group.id}/decisions/release",
                              data={"proposal_id": str(proposal.id), "release": "1"})
    assert "Released" in organizer.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    review = db.session.scalar(select(Review))
    assert (review.mentor_id, review.decision) == (world.mentor.id, Decision.ACCEPTED)
    assert world.version.submission.status == SubmissionStatus.ACCEPTED
    assert _count(CompletionRecord) == 1
    assert (_proposal().state, _proposal().review_id, _proposal().closed_by_id) == (
        ProposalState.RELEASED, review.id, world.organizer.id)


def test_the_gate_holds_only_the_first_decisions_and_never_lead_or_trusted_mentors(world, make):
    _checks(world.group, release_gate=True, release_gate_decisions=1)
    cohort, mentor = world.group, world.mentor
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) == \
        ProposalState.HELD
    gate.release(db.session, proposal=gate.decide(
        db.session, version=world.version, mentor=mentor, now=utcnow(), claim_minutes=30,
        decision=Decision.RETURNED, points_by_criterion={c.id: 1 for c in world.exercise.criteria},
        feedback_md="直してください"), actor=world.organizer, now=utcnow())
    # One released decision: the threshold of one is reached.
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) is None
    _checks(cohort, release_gate_decisions=None)  # until trusted
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) == \
        ProposalState.HELD
    link = gate.assignment(db.session, cohort.id, mentor.id)
    link.is_trusted = True
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) is None
    link.is_trusted, link.is_lead = False, True
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) is None
    _checks(cohort, release_gate=False)
    link.is_lead = False
    assert gate.proposal_state_for(db.session, cohort=cohort, mentor=mentor, decision=Decision.RETURNED) is None


def test_a_lead_mentor_releases_but_an_ordinary_mentor_may_not(world, make, login_en):
    _checks(world.group, release_gate=True)
    _decide(login_en(world.mentor), make, world.version, "return", feedback="もう一歩")
    proposal = _proposal()
    assert login_en(world.second).get(f"/review/cohorts/{world.group.id}/decisions").status_code == 404
    assert login_en(world.second).post(f"/review/cohorts/{world.group.id}/decisions/release",
                                       data={"proposal_id": str(proposal.id), "release": "1"}).status_code == 404
    assert _proposal().state == ProposalState.HELD
    db.session.get(MentorAssignment, gate.assignment(db.session, world.group.id, world.second.id).id).is_lead = True
    db.session.commit()
    lead = login_en(world.second)
    # The review page offers the lead mentor the page that releases it.
    assert f"/review/cohorts/{world.group.id}/decisions" in lead.get(
        f"/review/submissions/{world.version.submission_id}").get_data(as_text=True)
    lead.post(f"/review/cohorts/{world.group.id}/decisions/release", data={"proposal_id": str(proposal.id),
                                                                          "release": "1"})
    assert _proposal().state == ProposalState.RELEASED
    assert world.version.submission.status == SubmissionStatus.RETURNED


def test_sending_back_puts_the_decision_into_the_mentors_draft_with_the_note(world, make, login_en):
    _checks(world.group, release_gate=True)
    mentor = login_en(world.mentor)
    _decide(mentor, make, world.version, feedback="合格", points=2)
    proposal = _proposal()
    organizer = login_en(world.organizer)
    response = organizer.post(f"/review/cohorts/{world.group.id}/decisions/release",
                              data={"proposal_id": str(proposal.id), "send_back": "1", "note": "根拠を書いてください"})
    assert "Sent back to" in organizer.get(response.location).get_data(as_text=True)
    assert (_proposal().state, _proposal().note) == (ProposalState.SENT_BACK, "根拠を書いてください")
    assert _count(Review) == 0
    draft = db.session.scalar(select(ReviewDraft))
    assert (draft.mentor_id, draft.feedback_md, set(draft.points_by_criterion.values())) == (world.mentor.id, "合格", {2})
    page = mentor.get(f"/review/submissions/{world.version.submission_id}").get_data(as_text=True)
    assert "Your decision was sent back to you" in page and "根拠を書いてください" in page and 'name="accept"' in page


def test_a_held_decision_on_an_old_version_cannot_be_released(world, app, make, login_en):
    _checks(world.group, release_gate=True)
    _decide(login_en(world.mentor), make, world.version, "return", feedback="直して")
    proposal = _proposal()
    _submit(app, make, world.group, world.learner, "第2版")
    organizer = login_en(world.organizer)
    response = organizer.post(f"/review/cohorts/{world.group.id}/decisions/release",
                              data={"proposal_id": str(proposal.id), "release": "1"})
    assert "Send it back to the mentor instead" in organizer.get(response.location).get_data(as_text=True)
    assert (_proposal().state, _count(Review)) == (ProposalState.HELD, 0)


def test_a_second_decision_on_a_version_with_a_waiting_one_is_refused(world, make, login_en):
    _checks(world.group, release_gate=True)
    _decide(login_en(world.mentor), make, world.version, "return", feedback="直して")
    db.session.get(MentorAssignment, gate.assignment(db.session, world.group.id, world.second.id).id).is_trusted = True
    db.session.commit()
    response = _decide(login_en(world.second), make, world.version)
    assert response.status_code == 409
    assert "already waiting for release or for a second mentor" in response.get_data(as_text=True)
    assert (_count(Review), _count(DecisionProposal)) == (0, 1)


def test_organizer_sets_the_checks_and_a_bad_number_changes_nothing(world, login_en):
    organizer = login_en(world.organizer)
    url = f"/review/cohorts/{world.group.id}/checks"
    response = organizer.post(url, data={"release_gate": "y", "release_gate_decisions": "0", "moderation": "y"})
    assert response.status_code == 422 and "Enter a number from 1 to 1000." in response.get_data(as_text=True)
    db.session.expire_all()
    assert (world.group.release_gate, world.group.moderation) == (False, False)
    organizer.post(url, data={"release_gate": "y", "release_gate_decisions": "3", "moderation": "y",
                              "lead_ids": str(world.second.id)})
    db.session.expire_all()
    assert (world.group.release_gate, world.group.release_gate_decisions, world.group.moderation) == (True, 3, True)
    assert gate.assignment(db.session, world.group.id, world.second.id).is_lead
    assert not gate.assignment(db.session, world.group.id, world.mentor.id).is_lead


# --- moderation -----------------------------------------------------------------------------------------

def _second(client, make, version, agree=True, feedback="", points=3):
    data = {**make.scores(version.submission.exercise, points), "feedback": feedback,
            "agree" if agree else "disagree": "1"}
    return client.post(f"/review/submissions/{version.submission_id}/second-review", data=data)


def test_a_moderated_acceptance_is_final_only_when_a_second_mentor_agrees(world, make, login_en):
    _checks(world.group, moderation=True)
    mentor = login_en(world.mentor)
    _decide(mentor, make, world.version)
    assert _proposal().state == ProposalState.AWAITING_SECOND
    assert (_count(Review), _count(CompletionRecord)) == (0, 0)
    # The proposing mentor cannot be their own second.
    response = _second(mentor, make, world.version)
    assert "has to come from another mentor" in mentor.get(response.location).get_data(as_text=True)
    assert _proposal().state == ProposalState.AWAITING_SECOND

    second = login_en(world.second)
    assert "Acceptance waiting for a second mentor" in second.get(
        f"/review/submissions/{world.version.submission_id}").get_data(as_text=True)
    # Agreeing with scores below the pass mark is refused.
    response = _second(second, make, world.version, points=0)
    assert "your scores must reach at least" in second.get(response.location).get_data(as_text=True)
    assert _proposal().state == ProposalState.AWAITING_SECOND
    _second(second, make, world.version, points=2)
    proposal = _proposal()
    assert (proposal.state, proposal.second_mentor_id) == (ProposalState.AGREED, world.second.id)
    review = db.session.scalar(select(Review))
    assert (review.mentor_id, review.decision, review.total_points) == (world.mentor.id, Decision.ACCEPTED, 6)
    assert _count(CompletionRecord) == 1


def test_a_disagreement_needs_feedback_and_an_organizer_settles_it(world, make, login_en):
    _checks(world.group, moderation=True)
    _decide(login_en(world.mentor), make, world.version)
    second = login_en(world.second)
    response = _second(second, make, world.version, agree=False, points=1)
    assert "Write feedback so the learner knows what to do next." in second.get(response.location).get_data(
        as_text=True)
    assert _proposal().state == ProposalState.AWAITING_SECOND
    _second(second, make, world.version, agree=False, feedback="根拠が足りません", points=1)
    assert (_proposal().state, _count(Review)) == (ProposalState.DISPUTED, 0)

    # Lead mentors release, but only organizers settle.
    assert login_en(world.mentor).post(f"/review/cohorts/{world.group.id}/decisions/settle",
                                       data={"proposal_id": str(_proposal().id), "accept": "1"}).status_code == 403
    organizer = login_en(world.organizer)
    assert "根拠が足りません" in organizer.get(f"/review/cohorts/{world.group.id}/decisions").get_data(as_text=True)
    organizer.post(f"/review/cohorts/{world.group.id}/decisions/settle",
                   data={"proposal_id": str(_proposal().id), "return_for_revision": "1"})
    review = db.session.scalar(select(Review))
    assert (review.mentor_id, review.decision, review.feedback_md) == (world.second.id, Decision.RETURNED,
                                                                        "根拠が足りません")
    assert (_proposal().state, _count(CompletionRecord)) == (ProposalState.SETTLED, 0)


def test_an_organizer_may_settle_a_disagreement_as_accepted(world, make):
    _checks(world.group, moderation=True)
    proposal = gate.decide(db.session, version=world.version, mentor=world.mentor, now=utcnow(), claim_minutes=30,
                           decision=Decision.ACCEPTED, points_by_criterion={c.id: 3 for c in world.exercise.criteria},
                           feedback_md="合格")
    gate.second_review(db.session, proposal=proposal, mentor=world.second, now=utcnow(), agree=False,
                       points_by_criterion={c.id: 1 for c in world.exercise.criteria}, feedback_md="不足")
    with pytest.raises(gate.NotOpen):
        gate.release(db.session, proposal=proposal, actor=world.organizer, now=utcnow())
    review = gate.settle(db.session, proposal=proposal, actor=world.organizer, now=utcnow(), accept=True)
    assert (review.mentor_id, review.decision) == (world.mentor.id, Decision.ACCEPTED)
    assert _count(CompletionRecord) == 1


def test_returns_are_not_moderated(world, make, login_en):
    _checks(world.group, moderation=True)
    _decide(login_en(world.mentor), make, world.version, "return", feedback="直して")
    assert (_count(DecisionProposal), world.version.submission.status) == (0, SubmissionStatus.RETURNED)


# --- calibration ----------------------------------------------------------------------------------------

PACK = {
    "ja": "## 解答例（標準）\n\n標準的な解答の本文\n\n## 解答例（理想）\n\n理想の解答\n\n## 採点の目安\n\n### 観点1\n\n目安",
    "en": "## Exemplar answer (standard)\n\nA standard answer\n\n## Exemplar answer (ideal)\n\nIdeal\n",
}


def _with_pack(exercise):
    for locale, text in PACK.items():
        setattr(exercise, f"mentor_pack_{locale}_md", text)
        setattr(exercise, f"mentor_pack_{locale}_html", f"<p>{locale}</p>")
    db.session.commit()


def test_organizer_marks_an_exemplar_with_agreed_scores(world, make, login_en):
    _with_pack(world.exercise)
    organizer = login_en(world.organizer)
    criteria = world.exercise.criteria
    response = organizer.post(f"/review/exercises/{world.exercise.id}/calibration",
                              data={"exemplar": "standard", **make.scores(world.exercise, 2)})
    assert response.status_code == 302
    reference = db.session.scalar(select(CalibrationReference))
    assert reference.body_md == "A standard answer"  # the organizer reads English: its exemplar
    assert reference.agreed_points() == {c.id: 2 for c in criteria}
    # Without a score for every criterion nothing is added.
    response = organizer.post(f"/review/exercises/{world.exercise.id}/calibration", data={"exemplar": "ideal"})
    assert response.status_code == 422 and "Choose a level for this criterion." in response.get_data(as_text=True)
    assert _count(CalibrationReference) == 1


def test_a_learners_answer_is_a_reference_only_with_consent(world, make, login_en):
    organizer = login_en(world.organizer)
    url = f"/review/submissions/{world.version.submission_id}/calibration-reference"
    response = organizer.post(url, data=make.scores(world.exercise, 1))
    assert response.status_code == 409
    assert "their answer is used only with their consent" in response.get_data(as_text=True)
    assert _count(CalibrationReference) == 0
    organizer.post(url, data={**make.scores(world.exercise, 1), "consent": "y"})
    reference = db.session.scalar(select(CalibrationReference))
    assert (reference.body_md, reference.source, reference.consent_confirmed_at is not None) == (
        "回答です", "submission", True)


def test_a_mentor_scores_the_reference_before_their_first_review_and_sees_how_far_they_were(world, make, login_en):
    _with_pack(world.exercise)
    first, second = world.exercise.criteria
    reference = calibration.add_exemplar_reference(
        db.session, exercise=world.exercise, ideal=False, locale="ja", agreed_points={first.id: 2, second.id: 3},
        actor=world.organizer, now=utcnow())
    db.session.commit()
    mentor = login_en(world.mentor)
    response = mentor.get(f"/review/submissions/{world.version.submission_id}")
    assert response.status_code == 302 and "/calibrate" in response.location
    page = mentor.get(response.location).get_data(as_text=True)
    assert "Before your first review of this exercise, please score a reference answer" in page
    assert "標準的な解答の本文" in page
    response = mentor.post(response.location, data={"reference_id": str(reference.id),
                                                     f"criterion_{first.id}": "3", f"criterion_{second.id}": "1"})
    page = mentor.get(response.location).get_data(as_text=True)
    assert "1 higher" in page and "2 lower" in page and "Continue to the review" in page
    attempt = db.session.scalar(select(CalibrationAttempt))
    assert calibration.comparison(reference, attempt, world.exercise.criteria)[1].difference == -2
    # Calibrated: the review opens.
    assert mentor.get(f"/review/submissions/{world.version.submission_id}").status_code == 200
    # A second attempt on the same reference is refused and changes nothing.
    response = mentor.post(f"/review/exercises/{world.exercise.id}/calibrate",
                           data={"reference_id": str(reference.id), **make.scores(world.exercise, 0)})
    assert response.status_code == 409 and "your first scores count" in response.get_data(as_text=True)
    assert db.session.scalar(select(CalibrationAttempt)).points() == {first.id: 3, second.id: 1}


def test_calibration_is_asked_only_before_a_mentors_first_real_review(world, make):
    assert not calibration.needs_calibration(db.session, world.mentor, world.exercise.id)  # no reference
    _with_pack(world.exercise)
    calibration.add_exemplar_reference(db.session, exercise=world.exercise, ideal=True, locale="en",
                                       agreed_points={c.id: 3 for c in world.exercise.criteria},
                                       actor=world.organizer, now=utcnow())
    assert calibration.needs_calibration(db.session, world.mentor, world.exercise.id)
    assert not calibration.needs_calibration(db.session, world.organizer, world.exercise.id)
    gate.decide(db.session, version=world.version, mentor=world.mentor, now=utcnow(), claim_minutes=30,
                decision=Decision.RETURNED, points_by_criterion={c.id: 1 for c in world.exercise.criteria},
                feedback_md="直して")
    assert not calibration.needs_calibration(db.session, world.mentor, world.exercise.id)


# --- the mentors' statistics ----------------------------------------------------------------------------

def test_mentor_statistics_count_reviews_median_turnaround_distribution_and_agreement(world, app, make, login_en):
    now = utcnow()
    first, second = world.exercise.criteria
    gate.decide(db.session, version=world.version, mentor=world.mentor, now=world.version.submitted_at
                + timedelta(hours=2), claim_minutes=30, decision=Decision.RETURNED,
                points_by_criterion={first.id: 1, second.id: 2}, feedback_md="直して")
    # A moderated acceptance scored by both mentors: one unit per criterion for the agreement statistic.
    _checks(world.group, moderation=True)
    version = _submit(app, make, world.group, world.learner, "第2版")
    proposal = gate.decide(db.session, version=version, mentor=world.mentor, now=now, claim_minutes=30,
                           decision=Decision.ACCEPTED, points_by_criterion={first.id: 3, second.id: 3},
                           feedback_md="合格")
    gate.second_review(db.session, proposal=proposal, mentor=world.second, now=now, agree=True,
                       points_by_criterion={first.id: 3, second.id: 2}, feedback_md="")
    # A calibration reference both mentors scored: another unit.
    reference = CalibrationReference(exercise=world.exercise, source="exemplar", body_md="x", body_html="x",
                                     agreed_points_by_criterion={str(first.id): 2, str(second.id): 2})
    db.session.add_all([reference, CalibrationAttempt(reference=reference, mentor_id=world.mentor.id,
                                                      points_by_criterion={str(first.id): 1, str(second.id): 3}),
                        CalibrationAttempt(reference=reference, mentor_id=world.second.id,
                                           points_by_criterion={str(first.id): 1, str(second.id): 2})])
    db.session.commit()

    stats = mentor_stats.cohort_review_stats(db.session, world.group)
    by_mentor = {m.mentor.id: m for m in stats.mentors}
    mine = by_mentor[world.mentor.id]
    assert mine.reviews == 2
    # Turnarounds of 2 hours and of (now − second submission): the median is their mean.
    expected = ((world.version.submitted_at + timedelta(hours=2) - world.version.submitted_at)
                + (now - version.submitted_at)) / 2
    assert abs((mine.median_turnaround - expected).total_seconds()) < 1e-3
    assert mine.distribution[first.id] == {1: 1, 3: 1}
    assert by_mentor[world.second.id].reviews == 0
    # First criterion: units [3, 3] and [1, 1] → full agreement; second: [3, 2] and [3, 2] (alpha by hand:
    # values 3,2,3,2, o32 = o23 = 2, n_2 = n_3 = 2, n = 4; α = 1 − 3·4 / (2·2·2·1) = −0.5).
    alphas = {row.criterion.id: row.agreement.alpha for row in stats.agreement}
    assert alphas[first.id] == pytest.approx(1.0)
    assert alphas[second.id] == pytest.approx(-0.5)

    page = login_en(world.organizer).get(f"/review/cohorts/{world.group.id}/mentors").get_data(as_text=True)
    assert "Krippendorff" in page and "1.00" in page and "-0.50" in page and "2 reviews" in page


def test_the_review_checks_read_in_japanese(world, login_as):
    page = login_as(world.organizer).get(f"/review/cohorts/{world.group.id}/checks").get_data(as_text=True)
    assert "レビューの確認設定" in page and "ダブルチェック" in page and "主任メンター" in page
