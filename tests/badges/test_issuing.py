"""Issuing: a completion becomes a signed credential, at once or after approval; keys and issuers."""

import hashlib
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.badges import proofs
from app.badges.errors import KeysCannotRotate
from app.badges.issuers import add_key
from app.badges.issuing import create_credential, records_awaiting_credential
from app.badges.ld import UndefinedTerm
from app.badges.listeners import badge_settings
from app.badges.models import Credential, CredentialStatus
from app.badges.verification import verify_document
from app.core.db import utcnow
from app.extensions import db
from tests.badges.support import digital_bazaar_verify, issuer_documents


def test_completion_issues_a_signed_credential_automatically(completed):
    learner, mentor, group, record, credential = completed
    assert credential.status == CredentialStatus.ISSUED
    document = json.loads(credential.ob3_json)
    assert document["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["issuer"]["id"] == "http://127.0.0.1:5000/badges/issuers/1"
    identifier = document["credentialSubject"]["identifier"][0]
    assert "sato" not in json.dumps(document).lower()  # the address itself is never in the credential
    assert identifier["identityHash"] == "sha256$" + hashlib.sha256(
        ("sato.hanako@example.jp" + identifier["salt"]).encode()).hexdigest()
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"] and achievement["alignment"][0]["targetCode"] == "level-1"
    evidence_names = [e["name"] for e in document["evidence"]]
    assert evidence_names[:2] == ["課題1", "課題2"] and evidence_names[2].startswith("受講期: ")
    assert all("id" not in e for e in document["evidence"])  # no consent: deliverables are not linked


def test_the_criteria_count_the_required_exercises_only(app, make):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=3, optional=(2,)), learners=[learner], mentors=[mentor])
    record = make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential).where(Credential.completion_record_id == record.id))
    assert "必須課題2件すべて" in credential.achievement.criteria_ja
    assert credential.achievement.criteria_en.startswith("All 2 required exercises of the scenario module")
    narrative = json.loads(credential.ob3_json)["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert "必須課題2件すべて" in narrative and "All 2 required exercises" in narrative


def test_issuing_twice_for_the_same_completion_record_is_impossible(app, completed):
    learner, mentor, group, record, credential = completed
    keys, urls, defaults = badge_settings(app.config)
    with pytest.raises(IntegrityError):
        create_credential(db.session, record, keys=keys, urls=urls, defaults=defaults, now=utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.count(Credential.id))) == 1


def test_refuses_to_sign_a_term_no_context_defines(app, completed):
    learner, mentor, group, record, credential = completed
    keys, urls, _ = badge_settings(app.config)
    key = credential.issuer.signing_key
    document = {k: v for k, v in json.loads(credential.ob3_json).items() if k != "proof"}
    for bad in ({**document, "favouriteColour": "blue"}, {**document, "type": ["VerifiableCredential", "Mystery"]}):
        with pytest.raises(UndefinedTerm):
            proofs.sign(bad, keys.private_key(key.public_key_multibase), urls.key(1, key.fragment), utcnow())


def test_old_credentials_keep_verifying_after_key_rotation(app, client, completed, make):
    learner, mentor, group, record, first = completed
    keys, urls, defaults = badge_settings(app.config)
    add_key(db.session, first.issuer, keys, now=utcnow())
    db.session.commit()
    other = make.user(Role.LEARNER)
    group.enrolments.append(__import__("app.cohorts.models", fromlist=["Enrolment"]).Enrolment(user=other))
    db.session.commit()
    second_record = make.complete_module(group, other, mentor, app.config["STORAGE_DIR"])
    second = db.session.scalar(select(Credential).where(Credential.completion_record_id == second_record.id))
    controller = client.get("/badges/issuers/1").get_json(force=True)
    assert [m["id"].split("#")[1] for m in controller["verificationMethod"]] == ["key-1", "key-2"]
    assert controller["assertionMethod"] == [m["id"] for m in controller["verificationMethod"]]
    for credential, key in ((first, "key-1"), (second, "key-2")):
        document = json.loads(credential.ob3_json)
        assert document["proof"]["verificationMethod"].endswith(key)
        assert digital_bazaar_verify(document, issuer_documents(client, document))["verified"] is True


def test_private_keys_live_in_the_keys_folder_only(app, completed):
    key = completed[4].issuer.signing_key
    path = Path(app.config["KEYS_DIR"]) / f"{key.public_key_multibase}.ed25519"
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [column.name for column in type(key).__table__.columns if "private" in column.name]


def test_badges_wait_for_approval_when_the_cohort_asks(app, make, login_as):
    _, group = make.badge_awaiting_approval(app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    assert credential.status == CredentialStatus.AWAITING_APPROVAL and credential.ob3_json is None
    client = app.test_client()
    assert client.get(f"/c/{credential.uuid}").status_code == 404
    organizer = login_as(make.user(Role.ORGANIZER))
    response = organizer.post(f"/manage/badges/cohorts/{group.id}/approve", data={"narrative": "優秀な成果でした。"})
    assert response.status_code == 302
    db.session.expire_all()
    assert credential.status == CredentialStatus.ISSUED
    assert json.loads(credential.ob3_json)["credentialSubject"]["narrative"] == "優秀な成果でした。"


def test_consent_given_before_issuing_links_the_accepted_work(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    login_as(learner).post("/wallet/consent", data={"publishes_badge_evidence": "y"})
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    document = json.loads(credential.ob3_json)
    assert document["evidence"][0]["id"] == f"http://127.0.0.1:5000/c/{credential.uuid}/evidence/ex-1"
    assert "の回答" in app.test_client().get(f"/c/{credential.uuid}/evidence/ex-1").get_data(as_text=True)


def test_did_key_issuer_verifies_fully_offline(app_with, make):
    app = app_with(BADGE_ISSUER_DID_KEY=True)
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    credential = db.session.scalar(select(Credential))
    document = json.loads(credential.ob3_json)
    did = document["issuer"]["id"]
    assert did.startswith("did:key:z6Mk") and document["proof"]["verificationMethod"] == f"{did}#{did[8:]}"
    status_url = document["credentialStatus"]["statusListCredential"]
    status = json.loads(app.test_client().get(status_url.removeprefix("http://127.0.0.1:5000")).data)
    assert status["issuer"] == did
    # No issuer document is given to the verifier: the did:key resolves from itself.
    assert digital_bazaar_verify(document, {status_url: status})["verified"] is True
    assert verify_document(db.session, document, badge_settings(app.config)[1], utcnow()).outcome == "genuine"
    with pytest.raises(KeysCannotRotate):
        add_key(db.session, credential.issuer, badge_settings(app.config)[0], now=utcnow())


def test_cli_lists_credentials_with_absolute_urls_from_base_url(app_with, make):
    app = app_with(BASE_URL="https://enshu.example.jp")
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    result = app.test_cli_runner().invoke(args=["badges", "list", "--json"])
    rows = json.loads(result.output)
    assert rows[0]["public_url"].startswith("https://enshu.example.jp/c/")
    assert rows[0]["id"].startswith("urn:uuid:")
    issued = json.loads(db.session.scalar(select(Credential.ob3_json)))
    assert issued["issuer"]["id"] == "https://enshu.example.jp/badges/issuers/1"


def test_a_signing_failure_keeps_the_decision_and_the_badge_is_issued_on_retry(app_with, make, tmp_path):
    from app.completions.models import CompletionRecord
    from app.reviews.models import Review
    from app.submissions.models import SubmissionVersion
    from tests.conftest import login
    keys_dir = tmp_path / "keys"
    app = app_with(KEYS_DIR=str(keys_dir))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    exercise = group.module_version.exercises[0]
    assert login(app.test_client(), learner).post(
        f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": "回答", "submit": "1"},
        content_type="multipart/form-data").status_code == 302
    version = db.session.scalar(select(SubmissionVersion))
    (key_file,) = keys_dir.iterdir()
    hidden = key_file.rename(tmp_path / "key.away")  # the signing key is missing when the mentor decides

    response = login(app.test_client(), mentor).post(f"/review/submissions/{version.submission_id}", data={
        "version_id": str(version.id), "feedback": "合格です。", "accept": "1", **make.scores(exercise)})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Review.decision)) == "accepted"
    record = db.session.scalar(select(CompletionRecord))
    assert record is not None
    assert db.session.scalar(select(func.count(Credential.id))) == 0
    assert records_awaiting_credential(db.session) == [record.id]
    failed = runner.invoke(args=["badges", "issue-pending"])
    assert failed.exit_code == 1 and "0 credential(s) issued, 1 still pending" in failed.output

    hidden.rename(key_file)
    retried = runner.invoke(args=["badges", "issue-pending"])

    assert retried.exit_code == 0 and "1 credential(s) issued, 0 still pending" in retried.output
    db.session.expire_all()
    credential = db.session.scalar(select(Credential))
    assert credential.completion_record_id == record.id and credential.status == CredentialStatus.ISSUED
    report = verify_document(db.session, json.loads(credential.ob3_json), badge_settings(app.config)[1],
                                      utcnow())
    assert report.outcome == "genuine"
