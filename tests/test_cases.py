"""Exemplary work (issue 15, 優秀事例・横展開): a mentor nominates accepted work, its authors consent (name shown
or 「匿名」) or decline, organizers publish it to the case library; a withdrawn consent removes the case from
every page, list, search, export and download at once. Messages are checked in Japanese."""

import csv
import io

import pytest
from sqlalchemy import select

from app.auth.models import Organization, OrganizationKind, Role
from app.cases import queries, services
from app.cases.models import CaseConsent, CaseNomination, ConsentState
from app.cohorts.models import Enrolment
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.groups import services as groups
from app.notifications.models import Notification, NotificationKind
from app.reviews.services import review_version
from app.submissions.services import Upload, submit_version
from tests.test_query_budgets import QUERY_BUDGET, _queries

LEARNER_NAME = "事例 花子"
TOWN = "事例町"
ANSWER_MD = "**除雪計画**の見直し案です。"


def _submit(app, make, cohort, learner, exercise=None, body=ANSWER_MD, uploads=()):
    version = submit_version(db.session, enrolment=make.enrolment(cohort, learner),
                             exercise=exercise or cohort.module_version.exercises[0], body_md=body,
                             uploads=list(uploads), keep_attachment_ids=set(),
                             storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
                             max_answer_chars=10_000, max_attachment_bytes=1_000_000)
    db.session.commit()
    return version


def _accept(version, mentor):
    review_version(db.session, version=version, mentor=mentor, decision="accepted",
                   points_by_criterion={c.id: 3 for c in version.submission.exercise.criteria},
                   feedback_md="合格です。", now=utcnow())
    db.session.commit()


@pytest.fixture
def scene(app, make):
    """A cohort whose learner (named, of a named town) has accepted work with a PDF attached; its mentor, a
    mentor of another cohort, an organizer and another learner."""
    town = Organization(name_ja=TOWN, name_en="Jirei", kind=OrganizationKind.MUNICIPALITY)
    db.session.add(town)
    db.session.commit()
    learner = make.user(Role.LEARNER, name=LEARNER_NAME, organization_id=town.id)
    mentor, other_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR)
    cohort = make.cohort(make.module_version(exercises=2, criteria=1), learners=[learner], mentors=[mentor])
    make.cohort(make.module_version(exercises=1, criteria=1), mentors=[other_mentor])
    version = _submit(app, make, cohort, learner, uploads=[Upload("花子の報告書.pdf", io.BytesIO(b"%PDF-1.4\n0000"))])
    _accept(version, mentor)
    return dict(learner=learner, mentor=mentor, other_mentor=other_mentor, cohort=cohort,
                organizer=make.user(Role.ORGANIZER), reader=make.user(Role.LEARNER), submission=version.submission,
                version=version)


def _nominate(client, submission, note="住民目線で優先順位を整理している。"):
    return client.post(f"/cases/nominate/{submission.id}", data={"note": note})


def _published_case(scene, login_as, choice="show") -> CaseNomination:
    """Nominated by the mentor, consented by the learner as `choice`, published by the organizer."""
    assert _nominate(login_as(scene["mentor"]), scene["submission"]).status_code == 302
    assert login_as(scene["learner"]).post(f"/cases/consent/{scene['submission'].id}",
                                           data={"choice": choice}).status_code == 302
    nomination = db.session.scalar(select(CaseNomination))
    assert login_as(scene["organizer"]).post(f"/manage/cases/{nomination.id}/publish").status_code == 302
    db.session.refresh(nomination)
    assert nomination.published_at is not None
    return nomination


def _status(client, path) -> int:
    response = client.get(path)
    response.close()  # a download holds its file open until closed
    return response.status_code


# --- nominating ---


def test_mentor_nominates_accepted_work_and_the_learner_is_asked_in_the_app(app, scene, login_as):
    client = login_as(scene["mentor"])
    review_page = client.get(f"/review/submissions/{scene['submission'].id}").get_data(as_text=True)
    assert f"/cases/nominate/{scene['submission'].id}" in review_page

    response = _nominate(client, scene["submission"])

    assert "推薦しました" in client.get(response.location).get_data(as_text=True)
    nomination = db.session.scalar(select(CaseNomination))
    assert nomination.submission_version_id == scene["version"].id and nomination.nominated_by_id == scene["mentor"].id
    assert [(c.user_id, c.state) for c in nomination.consents] == [(scene["learner"].id, ConsentState.ASKED)]
    notification = db.session.scalar(select(Notification).where(
        Notification.kind == NotificationKind.CASE_CONSENT_ASKED))
    assert notification.recipient_id == scene["learner"].id
    notifications = login_as(scene["learner"]).get("/notifications/").get_data(as_text=True)
    assert "優秀事例に推薦されました" in notifications


@pytest.mark.parametrize("locale, asked", [
    ("ja", "あなたの提出物1件がメンターに優秀事例として選ばれました"),
    ("en", "A mentor chose 1 piece of your work as an exemplary case")])
def test_the_learners_home_asks_until_they_answer(app, scene, login_as, locale, asked):
    learner = login_as(scene["learner"])
    learner.post("/language", data={"locale": locale})
    assert asked not in learner.get("/").get_data(as_text=True)
    _nominate(login_as(scene["mentor"]), scene["submission"])

    home = learner.get("/").get_data(as_text=True)

    assert asked in home and 'href="/cases/mine"' in home
    assert asked not in login_as(scene["reader"]).get("/").get_data(as_text=True)
    assert learner.post(f"/cases/consent/{scene['submission'].id}", data={"choice": "hide"}).status_code == 302
    assert asked not in learner.get("/").get_data(as_text=True)


def test_an_organizer_nominates_too(app, scene, login_as):
    assert _nominate(login_as(scene["organizer"]), scene["submission"]).status_code == 302
    assert db.session.scalar(select(CaseNomination)).nominated_by_id == scene["organizer"].id


def test_work_that_is_not_accepted_is_refused_with_the_reason(app, make, scene, login_as):
    exercise = scene["cohort"].module_version.exercises[1]
    waiting = _submit(app, make, scene["cohort"], scene["learner"], exercise=exercise)
    client = login_as(scene["mentor"])

    response = _nominate(client, waiting.submission)

    assert response.status_code == 409
    assert "優秀事例に推薦できるのは合格した提出物だけです。" in response.get_data(as_text=True)
    assert db.session.scalar(select(CaseNomination)) is None
    with pytest.raises(services.NotAccepted):
        services.nominate(db.session, submission=waiting.submission, nominator=scene["mentor"], note="x", now=utcnow())


def test_nominating_twice_is_refused_with_the_reason(app, scene, login_as, make):
    client = login_as(scene["mentor"])
    _nominate(client, scene["submission"])

    response = _nominate(login_as(scene["organizer"]), scene["submission"], note="もう一度")

    assert response.status_code == 409
    assert "この提出物はすでに優秀事例に推薦されています。" in response.get_data(as_text=True)
    assert db.session.query(CaseNomination).count() == 1
    with pytest.raises(services.AlreadyNominated):
        services.nominate(db.session, submission=scene["submission"], nominator=scene["mentor"], note="x",
                          now=utcnow())


def test_a_nomination_made_at_the_same_moment_is_refused_by_the_database(app, scene, login_as, monkeypatch):
    _nominate(login_as(scene["mentor"]), scene["submission"])
    # The second nominator checked before the first one's row was written.
    monkeypatch.setattr(services, "is_nominated", lambda session, submission: False)

    response = _nominate(login_as(scene["organizer"]), scene["submission"], note="同時に")

    assert response.status_code == 409
    assert "この提出物はすでに優秀事例に推薦されています。" in response.get_data(as_text=True)
    assert db.session.query(CaseNomination).count() == 1


def test_a_mentor_of_another_cohort_is_refused_with_the_reason(app, scene, login_as):
    response = _nominate(login_as(scene["other_mentor"]), scene["submission"])

    assert response.status_code == 403
    assert "推薦できるのは、あなたがメンターを担当する受講期の提出物だけです。" in response.get_data(as_text=True)
    assert db.session.scalar(select(CaseNomination)) is None


def test_a_note_is_required_and_limited(app, scene, login_as):
    client = login_as(scene["mentor"])
    empty = _nominate(client, scene["submission"], note="  ")
    assert empty.status_code == 422 and "ほかの受講者がこの提出物から学べることを短く書いてください。" in empty.get_data(as_text=True)
    long = _nominate(client, scene["submission"], note="長" * (services.NOTE_LIMIT + 1))
    assert long.status_code == 422 and "長すぎます" in long.get_data(as_text=True)
    assert db.session.scalar(select(CaseNomination)) is None


def test_nominating_in_a_blind_review_cohort_never_shows_the_learner_to_the_mentor(app, scene, login_as):
    scene["cohort"].blind_review = True
    db.session.commit()
    client = login_as(scene["mentor"])
    pages = [client.get(f"/cases/nominate/{scene['submission'].id}")]
    response = _nominate(client, scene["submission"])
    pages += [client.get(response.location)]
    login_as(scene["learner"]).post(f"/cases/consent/{scene['submission'].id}", data={"choice": "hide"})
    pages += [client.get(f"/cases/nominate/{scene['submission'].id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert LEARNER_NAME not in text and TOWN not in text and "花子の報告書" not in text


# --- consent ---


def test_someone_other_than_the_author_cannot_answer(app, scene, login_as):
    _nominate(login_as(scene["mentor"]), scene["submission"])
    for person in (scene["reader"], scene["mentor"], scene["organizer"]):
        response = login_as(person).post(f"/cases/consent/{scene['submission'].id}", data={"choice": "show"})
        assert response.status_code == 403
        assert "回答できるのは、この提出物の作成者" in response.get_data(as_text=True)
    assert db.session.scalar(select(CaseConsent)).state == ConsentState.ASKED
    nomination = db.session.scalar(select(CaseNomination))
    with pytest.raises(services.NotAnAuthor):
        services.answer(db.session, nomination=nomination, user=scene["reader"], consents=True, shows_name=True,
                        now=utcnow())


def test_an_answer_must_be_chosen(app, scene, login_as):
    _nominate(login_as(scene["mentor"]), scene["submission"])
    response = login_as(scene["learner"]).post(f"/cases/consent/{scene['submission'].id}", data={"choice": "maybe"})
    assert response.status_code == 422
    assert db.session.scalar(select(CaseConsent)).state == ConsentState.ASKED


def test_publishing_without_consent_is_refused_with_the_reason(app, scene, login_as):
    _nominate(login_as(scene["mentor"]), scene["submission"])
    nomination = db.session.scalar(select(CaseNomination))
    client = login_as(scene["organizer"])

    response = client.post(f"/manage/cases/{nomination.id}/publish")

    assert "この事例は掲載できません。作成者全員の同意がまだそろっていません。" in client.get(response.location).get_data(
        as_text=True)
    db.session.refresh(nomination)
    assert nomination.published_at is None
    # Declined: still refused, and the declining cannot be turned into a consent afterwards.
    learner = login_as(scene["learner"])
    learner.post(f"/cases/consent/{scene['submission'].id}", data={"choice": "decline"})
    client.post(f"/manage/cases/{nomination.id}/publish")
    again = learner.post(f"/cases/consent/{scene['submission'].id}", data={"choice": "show"})
    assert again.status_code == 409 and "共有はすでにお断りいただいています" in again.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.published_at is None and nomination.consents[0].state == ConsentState.DECLINED


def test_a_group_case_needs_every_member_and_asks_each(app, make, login_as):
    people = [make.user(Role.LEARNER, name=f"班員{n}") for n in range(3)]
    mentor, organizer = make.user(Role.MENTOR), make.user(Role.ORGANIZER)
    cohort = make.cohort(make.module_version(exercises=1, criteria=1), learners=people, mentors=[mentor])
    cohort.module_version.exercises[0].is_group_deliverable = True
    group = groups.create_group(db.session, cohort, "1班", organizer)
    groups.place_learners(db.session, cohort, {make.enrolment(cohort, p).id: group.id for p in people[:2]}, organizer)
    db.session.commit()
    version = _submit(app, make, cohort, people[0])
    _accept(version, mentor)
    _nominate(login_as(mentor), version.submission)
    nomination = db.session.scalar(select(CaseNomination))
    assert sorted(c.user_id for c in nomination.consents) == sorted(p.id for p in people[:2])
    assert db.session.query(Notification).filter_by(kind=NotificationKind.CASE_CONSENT_ASKED).count() == 2
    # The third learner, not in the group, is no author.
    assert login_as(people[2]).get(f"/cases/consent/{version.submission_id}").status_code == 403

    login_as(people[0]).post(f"/cases/consent/{version.submission_id}", data={"choice": "show"})
    login_as(organizer).post(f"/manage/cases/{nomination.id}/publish")
    db.session.refresh(nomination)
    assert nomination.published_at is None  # one member has not answered
    login_as(people[1]).post(f"/cases/consent/{version.submission_id}", data={"choice": "hide"})
    login_as(organizer).post(f"/manage/cases/{nomination.id}/publish")

    page = login_as(make.user()).get(f"/cases/{nomination.id}").get_data(as_text=True)
    assert "班員0" in page and "班員1" not in page and "匿名" in page


# --- the library ---


def test_a_published_case_shows_the_answer_note_and_attachments_with_the_name_as_chosen(app, scene, login_as):
    nomination = _published_case(scene, login_as, choice="show")
    reader = login_as(scene["reader"])

    listing = reader.get("/cases/").get_data(as_text=True)
    page = reader.get(f"/cases/{nomination.id}").get_data(as_text=True)

    assert f"/cases/{nomination.id}" in listing and LEARNER_NAME in listing
    # The stored, sanitised HTML of the accepted version, never the raw Markdown.
    assert "<strong>除雪計画</strong>" in page and "**除雪計画**" not in page
    assert "住民目線で優先順位を整理している。" in page and f"{LEARNER_NAME}（{TOWN}）" in page
    attachment = nomination.submission_version.attachments[0]
    download = reader.get(f"/cases/{nomination.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert "Content-Security-Policy" in download.headers
    download.close()


def test_an_anonymous_case_shows_no_name_town_or_file_name(app, scene, login_as):
    nomination = _published_case(scene, login_as, choice="hide")
    reader = login_as(scene["reader"])
    attachment = nomination.submission_version.attachments[0]
    download = reader.get(f"/cases/{nomination.id}/attachments/{attachment.id}")
    texts = [reader.get("/cases/").get_data(as_text=True), reader.get(f"/cases/{nomination.id}").get_data(as_text=True),
             str(download.headers)]
    download.close()
    for text in texts:
        assert LEARNER_NAME not in text and TOWN not in text and "花子" not in text
    assert "匿名" in texts[0] and "匿名" in texts[1]


def test_only_the_attachments_of_a_public_case_can_be_fetched(app, make, scene, login_as):
    exercise = scene["cohort"].module_version.exercises[1]
    other = _submit(app, make, scene["cohort"], scene["learner"], exercise=exercise,
                    uploads=[Upload("別の.pdf", io.BytesIO(b"%PDF-1.4\n1111"))])
    _nominate(login_as(scene["mentor"]), scene["submission"])
    nomination = db.session.scalar(select(CaseNomination))
    attachment = scene["version"].attachments[0]
    reader = login_as(scene["reader"])
    # Not published (nor consented) yet: nothing.
    assert _status(reader, f"/cases/{nomination.id}") == 404
    assert _status(reader, f"/cases/{nomination.id}/attachments/{attachment.id}") == 404
    login_as(scene["learner"]).post(f"/cases/consent/{scene['submission'].id}", data={"choice": "show"})
    login_as(scene["organizer"]).post(f"/manage/cases/{nomination.id}/publish")
    assert _status(reader, f"/cases/{nomination.id}/attachments/{attachment.id}") == 200
    # Another submission's attachment through this case's address: nothing.
    assert _status(reader, f"/cases/{nomination.id}/attachments/{other.attachments[0].id}") == 404
    # Nor the learner's own download route for someone else's work.
    assert _status(reader, f"/attachments/{attachment.id}") == 404


def test_the_library_filters_by_module_exercise_and_words(app, scene, login_as):
    nomination = _published_case(scene, login_as)
    exercise = scene["submission"].exercise
    module = exercise.module_version.module.slug

    def found(**filters):
        return [n.id for n in queries.library(db.session, queries.Filters(**filters)).cases]

    assert found() == [nomination.id]
    assert found(module=module) == found(module=module, exercise=exercise.slug) == [nomination.id]
    assert found(module=module, exercise="ex-2") == [] and found(module="nothing") == []
    assert found(words="除雪") == found(words="住民目線") == [nomination.id]
    assert found(words="%") == found(words="存在しない") == []
    # From the exercise page's link.
    page = login_as(scene["reader"]).get(f"/cases/?exercise_id={exercise.id}").get_data(as_text=True)
    assert f"/cases/{nomination.id}" in page


# --- withdrawal ---


def _everywhere(scene, login_as, nomination) -> dict:
    """What a reader and an organizer find of the case on every page, list, search, export and download."""
    reader, organizer = login_as(scene["reader"]), login_as(scene["organizer"])
    exercise = scene["submission"].exercise
    module = exercise.module_version.module.slug
    attachment = scene["version"].attachments[0]
    address = f"/cases/{nomination.id}\""
    export = organizer.get("/manage/cases/export.csv")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    return {
        "list": address in reader.get("/cases/").get_data(as_text=True),
        "module filter": address in reader.get(f"/cases/?module={module}").get_data(as_text=True),
        "exercise filter": address in reader.get(f"/cases/?module={module}&exercise={exercise.slug}").get_data(
            as_text=True),
        "search": address in reader.get("/cases/?q=除雪").get_data(as_text=True),
        "page": _status(reader, f"/cases/{nomination.id}") == 200,
        "download": _status(reader, f"/cases/{nomination.id}/attachments/{attachment.id}") == 200,
        "export": any(row and row[0] == str(nomination.id) for row in rows[1:]),
        "query": queries.public_case(db.session, nomination.id) is not None,
    }


@pytest.mark.parametrize("where", ["case page", "settings"])
def test_consent_withdrawal_removes_the_case_everywhere_at_once(app, scene, login_as, where):
    nomination = _published_case(scene, login_as)
    assert set(_everywhere(scene, login_as, nomination).values()) == {True}
    learner = login_as(scene["learner"])
    start = f"/cases/{nomination.id}" if where == "case page" else "/cases/mine"
    withdraw = f"/cases/consent/{scene['submission'].id}/withdraw"
    assert withdraw in learner.get(start).get_data(as_text=True)
    # The button leads to a confirmation; a POST without it changes nothing.
    assert learner.post(withdraw).status_code == 200
    assert set(_everywhere(scene, login_as, nomination).values()) == {True}

    response = learner.post(withdraw, data={"confirm": "yes"})

    assert "同意を取り消しました。" in learner.get(response.location).get_data(as_text=True)
    assert _everywhere(scene, login_as, nomination) == dict.fromkeys(_everywhere(scene, login_as, nomination), False)
    # By the consent state in every query, not by a later clean-up: the case is still marked published.
    db.session.refresh(nomination)
    assert nomination.published_at is not None
    assert nomination.consents[0].state == ConsentState.WITHDRAWN
    # And it cannot come back: neither by the learner nor by publishing again.
    again = learner.post(f"/cases/consent/{scene['submission'].id}", data={"choice": "show"})
    assert again.status_code == 409
    login_as(scene["organizer"]).post(f"/manage/cases/{nomination.id}/publish")
    assert set(_everywhere(scene, login_as, nomination).values()) == {False}


def test_changing_from_name_to_anonymous_applies_at_once(app, scene, login_as):
    nomination = _published_case(scene, login_as, choice="show")
    reader = login_as(scene["reader"])
    assert LEARNER_NAME in reader.get(f"/cases/{nomination.id}").get_data(as_text=True)
    login_as(scene["learner"]).post(f"/cases/consent/{scene['submission'].id}", data={"choice": "hide"})
    page = reader.get(f"/cases/{nomination.id}").get_data(as_text=True)
    assert LEARNER_NAME not in page and "匿名" in page


def test_unpublishing_takes_the_case_out_and_organizers_see_every_state(app, scene, login_as):
    nomination = _published_case(scene, login_as)
    organizer = login_as(scene["organizer"])
    assert "掲載をやめる" in organizer.get("/manage/cases/").get_data(as_text=True)
    organizer.post(f"/manage/cases/{nomination.id}/unpublish")
    assert _status(login_as(scene["reader"]), f"/cases/{nomination.id}") == 404
    assert "掲載できます" in organizer.get("/manage/cases/").get_data(as_text=True)


# --- query budgets ---


def _publish_more(app, make, scene, n: int) -> None:
    """`n` more published cases: accepted work of new learners of the cohort, each consented with a name."""
    for _ in range(n):
        learner = make.user(Role.LEARNER, organization_id=scene["learner"].organization_id)
        db.session.add(Enrolment(cohort=scene["cohort"], user=learner))
        db.session.commit()
        version = _submit(app, make, scene["cohort"], learner,
                          uploads=[Upload("a.pdf", io.BytesIO(b"%PDF-1.4\n00"))])
        _accept(version, scene["mentor"])
        nomination = services.nominate(db.session, submission=version.submission, nominator=scene["mentor"],
                                       note="理由", now=utcnow())
        services.answer(db.session, nomination=nomination, user=learner, consents=True, shows_name=True, now=utcnow())
        services.publish(db.session, nomination=nomination, organizer=scene["organizer"], now=utcnow())
        db.session.commit()


@pytest.mark.parametrize("page", ["library", "manage", "export"])
def test_case_pages_run_the_same_few_queries_however_many_cases(app, make, scene, login_as, page):
    _publish_more(app, make, scene, 1)
    client = login_as(scene["reader"] if page == "library" else scene["organizer"])
    path = {"library": "/cases/", "manage": "/manage/cases/", "export": "/manage/cases/export.csv"}[page]
    counts = [_queries(app, client, path)]
    _publish_more(app, make, scene, 3)
    counts.append(_queries(app, client, path))
    assert counts[0] == counts[1] <= QUERY_BUDGET, counts
