"""The inputs that gave 500s (issue 8): each now gets a clear message in the user's language and changes
nothing. The property-based sweep over every route is in test_hostile_input_properties.py."""

import io
import re
from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import Length

from app.auth.models import Role, User
from app.autocheck.models import QuestionAttempt
from app.cohorts.models import Cohort, Enrolment
from app.content.models import Question
from app.content.question_kinds.base import InvalidResponse
from app.core.inputs import MAX_ID, positive_int, whole_number
from app.core.mail import send_mail
from app.extensions import db
from app.submissions.models import SubmissionVersion
from tests import world as world_module

NUL_MESSAGE = "目に見えない制御文字（NUL など）"


@pytest.fixture
def world(app):
    return world_module.build(app)


@pytest.fixture
def organizer(app, world):
    return world_module.signed_in_client(app, world.people["organizer"])


# Ids and page numbers -------------------------------------------------------------------------------

def test_ids_outside_the_integer_column_are_not_found_on_public_and_private_routes(world, organizer, client):
    for value in (str(MAX_ID + 1), str(2**63), "9" * 30, "0", "00"):
        assert client.get(f"/badges/issuers/{value}").status_code == 404
        assert client.get(f"/badges/achievements/{value}/image.svg").status_code == 404
        assert organizer.get(f"/manage/cohorts/{value}").status_code == 404
        assert organizer.get(f"/manage/progress/cohorts/{value}").status_code == 404


def test_the_largest_id_is_still_routed(world, client):
    response = client.get(f"/badges/issuers/{MAX_ID}")
    assert response.status_code == 404 and "ページが見つかりません" in response.get_data(as_text=True)
    assert client.get(f"/badges/issuers/{world.credential.issuer_id}").status_code == 200


@pytest.mark.parametrize("value, expected", [("1", 1), ("2147483647", MAX_ID)])
def test_positive_int_reads_ids_and_page_numbers(value, expected):
    assert positive_int(value) == expected


@pytest.mark.parametrize("value", ["0", "-1", "2147483648", "9" * 5000, "²", "١", "1.0", " 1", ""])
def test_positive_int_refuses_everything_else(value):
    with pytest.raises(ValueError):
        positive_int(value)


def test_huge_page_numbers_and_filters_fall_back_to_the_first_page(app, world):
    admin = world_module.signed_in_client(app, world.people["admin"])
    for page in (str(2**31), str(2**63), "-5", "x"):
        response = admin.get("/admin/users", query_string={"page": page})
        assert response.status_code == 200 and world.people["learner"].email in response.get_data(as_text=True)
    mentor = world_module.signed_in_client(app, world.people["mentor"])
    assert mentor.get("/review/", query_string={"cohort": str(2**63)}).status_code == 200
    organizer = world_module.signed_in_client(app, world.people["organizer"])
    slug = world.cohort.module_version.module.slug
    assert organizer.get(f"/manage/modules/{slug}/changes", query_string={"to": "9" * 5000}).status_code == 200


# Control characters ----------------------------------------------------------------------------------

def test_nul_in_a_form_field_is_refused_with_the_reason_and_saves_nothing(app, world):
    admin = world_module.signed_in_client(app, world.people["admin"])
    before = world_module.row_counts()
    response = admin.post("/admin/users/new", data={"email": "nul@example.jp", "display_name": "名\x00前",
                                                    "role": "learner", "organization_id": ""})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert world_module.row_counts() == before


@pytest.mark.parametrize("path", ["/c/%00", "/verify?x=%00", "/login?next=%01", "/manage/modules/a%00b/changes"])
def test_control_characters_in_the_url_are_refused_with_the_reason(client, path):
    response = client.get(path)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def test_the_refusal_is_in_english_for_an_english_reader(app, world):
    learner = world_module.signed_in_client(app, world.people["learner"])
    learner.post("/language", data={"locale": "en"})
    response = learner.post("/preview", data={"body": "a\x00"})
    assert response.status_code == 400 and "invisible control character (such as NUL)" in response.get_data(as_text=True)


def test_tabs_and_line_breaks_are_ordinary_text(app, world):
    learner = world_module.signed_in_client(app, world.people["learner"])
    assert learner.post("/preview", data={"body": "a\tb\r\nc"}).status_code == 200


def test_nul_in_an_upload_file_name_is_refused(app, world):
    learner = world_module.signed_in_client(app, world.fresh_learner)
    response = learner.post(f"/cohorts/{world.cohort.id}/exercises/{world.exercise.id}",
                            data={"body": "回答", "submit": "1", "attachments": (io.BytesIO(b"%PDF-1.4"), "a\x00.pdf")},
                            content_type="multipart/form-data")
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


# Numbers ----------------------------------------------------------------------------------------------

POPULATION = Question(kind="numeric", unit_ja="人", answer_key={"value": 93, "tolerance": 0})


@pytest.mark.parametrize("answer", ["nan", "NaN", "inf", "-Infinity", "1e999", "-1e999", "9" * 5000,
                                    "1" + "0" * 30])
def test_numeric_answers_that_are_not_finite_numbers_are_refused(answer):
    with pytest.raises(InvalidResponse):
        POPULATION.handler.parse(POPULATION, [answer])


def test_a_long_but_ordinary_number_is_still_read():
    assert POPULATION.handler.parse(POPULATION, ["1,234,567.125 人"]) == {"value": 1234567.125}


def test_a_numeric_answer_like_nan_gets_the_not_a_number_message_and_no_attempt(app, world):
    learner = world_module.signed_in_client(app, world.fresh_learner)
    for answer in ("nan", "inf", "1e999", "9" * 5000):
        response = learner.post(f"/cohorts/{world.cohort.id}/exercises/{world.exercise.id}",
                                data={"check_answers": "1", f"q_{world.question.id}": answer})
        assert response.status_code == 422 and "数値を入力してください" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuestionAttempt.id))) == 0


# Dates ------------------------------------------------------------------------------------------------

def test_cohort_dates_outside_2000_to_2100_are_refused_with_a_message(world, organizer):
    due = f"due_{world.exercise.id}"
    for field in ("starts_on", "ends_on", due):
        for day in ("0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"):
            data = {"name": "範囲外", "starts_on": "2030-04-01", "ends_on": "2030-06-30", due: "2030-05-31", field: day}
            response = organizer.post(f"/manage/cohorts/new/{world.cohort.module_version_id}", data=data)
            assert response.status_code == 422, (field, day)
            assert "2000年から2100年までの日付を入力してください。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Cohort.id))) == 2


def test_cohort_dates_at_the_edges_of_the_range_are_accepted(world, organizer):
    response = organizer.post(f"/manage/cohorts/new/{world.cohort.module_version_id}", data={
        "name": "端", "starts_on": "2000-01-01", "ends_on": "2100-12-31", f"due_{world.exercise.id}": "2100-12-31"})
    assert response.status_code == 302
    created = db.session.scalar(select(Cohort).where(Cohort.name == "端"))
    assert created.ends_at.date() == date(2100, 12, 31)


# E-mail addresses -------------------------------------------------------------------------------------

def test_the_outbox_file_name_never_contains_the_address(tmp_path):
    path = send_mail(tmp_path / "outbox", "a/../../b@example.jp", "件名", "本文")
    assert path.parent == tmp_path / "outbox" and re.fullmatch(r"\d{8}T\d{12}-[0-9a-f]{32}\.eml", path.name)
    assert "To: a/../../b@example.jp" in path.read_text()


def test_an_address_with_a_slash_gets_its_account_and_invitation(app, world, tmp_path):
    admin = world_module.signed_in_client(app, world.people["admin"])
    response = admin.post("/admin/users/new", data={"email": "sato/hanako@example.jp", "display_name": "佐藤",
                                                    "role": "learner", "organization_id": ""})
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "sato/hanako@example.jp")) is not None
    # The world's own mail (its notifications) aside.
    mails = [mail for mail in (tmp_path / "outbox").glob("*.eml") if "To: sato/hanako@example.jp" in mail.read_text()]
    assert len(mails) == 1


# Lengths ----------------------------------------------------------------------------------------------

def test_participants_with_a_name_longer_than_an_account_name_are_refused_per_row(world, organizer):
    csv_text = "email,name\nok@example.jp,短い名前\nlong@example.jp," + "長" * 101 + "\n"
    response = organizer.post(f"/manage/cohorts/{world.cohort.id}/import",
                              data={"participants": (io.BytesIO(csv_text.encode()), "p.csv")},
                              content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and f"3行目</a>: 氏名「{'長' * 101}」が100文字を超えています" in page
    assert db.session.scalar(select(func.count(User.id)).where(User.email.in_(["ok@example.jp",
                                                                                "long@example.jp"]))) == 0


def test_participants_with_a_control_character_in_the_name_are_refused_per_row(world, organizer):
    csv_text = "email,name\nbell@example.jp,ベル\x07\n"
    response = organizer.post(f"/manage/cohorts/{world.cohort.id}/import",
                              data={"participants": (io.BytesIO(csv_text.encode()), "p.csv")},
                              content_type="multipart/form-data")
    assert response.status_code == 422 and "2行目</a>: 氏名「ベル\x07」に目に見えない制御文字が含まれています" in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 3


def test_an_attachment_name_longer_than_255_is_refused_with_a_message(app, world):
    learner = world_module.signed_in_client(app, world.fresh_learner)
    name = "報" * 252 + ".pdf"
    response = learner.post(f"/cohorts/{world.cohort.id}/exercises/{world.exercise.id}",
                            data={"body": "回答", "submit": "1", "attachments": (io.BytesIO(b"%PDF-1.4 x"), name)},
                            content_type="multipart/form-data")
    assert response.status_code == 422 and "255文字を超えています" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 1  # the completed learner's only


def _text_fields():
    """(form class, field name, Length max or None) for every text field of every form of the app."""
    import app.admin.forms, app.auth.forms, app.badges.forms, app.cohorts.forms, app.learn.forms  # noqa: E401,F401
    import app.reviews.forms  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for form in set(subclasses(FlaskForm)):
        # Classes made inside a view (the cohort form with one date field per exercise) inherit their
        # text fields from a module-level form checked here; whether one is still alive depends on GC.
        if not form.__module__.startswith("app.") or "<locals>" in form.__qualname__:
            continue
        for name in dir(form):
            unbound = getattr(form, name)
            if getattr(unbound, "field_class", None) and issubclass(unbound.field_class, StringField):
                lengths = [v.max for v in unbound.kwargs.get("validators", []) if isinstance(v, Length)]
                yield form.__name__, name, (lengths[0] if lengths else None)


def _stored_in():
    from app.auth.models import Organization
    from app.badges.models import Credential, Issuer
    from app.groups.models import CohortGroup
    from app.paths.models import LearningPath
    return {
        ("UserFormBase", "display_name"): User.display_name, ("NewUserForm", "display_name"): User.display_name,
        ("EditUserForm", "display_name"): User.display_name, ("NewUserForm", "email"): User.email,
        ("OrganizationForm", "name_ja"): Organization.name_ja, ("OrganizationForm", "name_en"): Organization.name_en,
        ("CohortFormBase", "name"): Cohort.name, ("DetailsForm", "name"): Cohort.name, ("CopyForm", "name"): Cohort.name,
        ("WalletSettingsForm", "display_name"): Credential.display_name,
        ("IssuerForm", "name_ja"): Issuer.name_ja, ("IssuerForm", "name_en"): Issuer.name_en,
        ("IssuerForm", "url"): Issuer.url, ("IssuerForm", "email"): Issuer.email,
        ("GroupNameForm", "name"): CohortGroup.name,
        ("PathForm", "name_ja"): LearningPath.name_ja, ("PathForm", "name_en"): LearningPath.name_en,
    }


# Fields not stored in a String column: looked up, hashed, or stored as Text with the limit the view sets.
NOT_IN_A_STRING_COLUMN = {
    ("LoginForm", "email"), ("LoginForm", "password"), ("ForgotPasswordForm", "email"),
    ("SetPasswordForm", "password"), ("SetPasswordForm", "confirm"), ("ChangePasswordForm", "password"),
    ("ChangePasswordForm", "confirm"), ("ChangePasswordForm", "current_password"), ("EnrolForm", "emails"),
    ("AnswerForm", "body"), ("RevokeForm", "reason"), ("ApproveCohortForm", "narrative"),
    ("ReviewFormBase", "version_id"), ("DetailsForm", "description"), ("CohortFormBase", "description"),
    ("StatusForm", "expected"),
    ("ReleaseClaimForm", "return_to"),
    # The previewed participants file and its signed hash travel back with the confirmation.
    ("ConfirmImportForm", "content"), ("ConfirmImportForm", "token"),
    # A join code is looked up, never stored as typed; the join form only names the cohort it confirms.
    ("JoinCodeForm", "code"), ("JoinForm", "cohort_id"),
    # Ids of the object a button acts on, and the confirmation of a dangerous action: looked up, not stored.
    ("SettleForm", "proposal_id"), ("ReleaseDecisionForm", "proposal_id"), ("CalibrationForm", "reference_id"),
    ("BankEntryForm", "entry_id"), ("DeleteCommentForm", "comment_id"), ("CommentForm", "version_id"),
    ("CommentForm", "paragraph"), ("RevokeForm", "confirm"), ("ConfirmForm", "confirm"),
    # Markdown and notes stored as Text, held to the limits their services or forms set.
    ("MessageForm", "message"), ("BankEntryForm", "body"), ("CommentForm", "comment"), ("CommentForm", "quote"),
    ("ReleaseDecisionForm", "note"), ("SecondReviewForm", "feedback"), ("DoneForm", "note"),
    ("NominateForm", "note"),
    # A path's descriptions are Text held to the form's limit; a step's choice and order are read, not stored.
    ("PathForm", "description_ja"), ("PathForm", "description_en"),
    # Reasons and notes of extensions and accommodations: Text, held to the forms' REASON_LIMIT.
    ("ExtensionRequestForm", "reason"), ("ExtensionApproveForm", "note"), ("ExtensionDeclineForm", "note"),
    ("ExtensionGrantForm", "reason"), ("AccommodationForm", "reason"), ("BulkExtensionForm", "reason"),
    # The fingerprint of the previewed bulk extension, compared on confirm.
    ("BulkExtensionForm", "digest"),
}


def test_every_text_field_is_as_long_as_its_column():
    stored = _stored_in()
    wrong = []
    for form, name, limit in _text_fields():
        if (form, name) in NOT_IN_A_STRING_COLUMN:
            continue
        column = stored.get((form, name))
        if column is None:
            wrong.append(f"{form}.{name}: not in the table of stored fields")
        elif limit != column.property.columns[0].type.length:
            wrong.append(f"{form}.{name}: Length {limit}, column {column.property.columns[0].type.length}")
    assert wrong == []


def test_an_overlong_name_is_refused_with_the_column_limit(world, organizer):
    response = organizer.post(f"/manage/cohorts/new/{world.cohort.module_version_id}", data={
        "name": "長" * 201, "starts_on": "2030-04-01", "ends_on": "2030-06-30",
        f"due_{world.exercise.id}": "2030-05-31"})
    assert response.status_code == 422 and "200文字以内にしてください。" in response.get_data(as_text=True)


def test_enrolling_more_addresses_than_a_query_can_hold_is_refused_with_a_message(world, organizer):
    emails = "\n".join(f"person{n}@example.jp" for n in range(2001))
    response = organizer.post(f"/manage/cohorts/{world.cohort.id}/enrol", data={"emails": emails})
    assert response.status_code == 422 and "一度に入力できるアドレスは2000件までです" in response.get_data(as_text=True)


@pytest.mark.parametrize("value, expected", [("0", 0), ("7", 7), (7, 7), ("2147483647", 2**31 - 1),
                                             ("2147483648", None), pytest.param("9" * 5000, None, id="5000 digits"),
                                             pytest.param(10**5000, None, id="a 5001-digit int"), (-1, None),
                                             ("-1", None), ("１２", None), ("1.5", None), (True, None), (None, None),
                                             ("", None)])
def test_whole_number_reads_small_numbers_and_refuses_huge_ones_without_an_error(value, expected):
    assert whole_number(value) == expected
