"""Property-based: random Unicode, NUL bytes, huge and negative numbers, impossible dates, overlong text and
missing fields, posted to every form and put in every URL parameter. Never a 500; and when the answer is
a refusal (a status of 400 or more, a form shown again with its errors), no table changed.

Every POST route of the URL map needs a row in FORMS (a new form fails the suite until it has one)."""

import io
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from tests import world as world_module
from tests.test_authorization_matrix import ALLOWED, EXPECTED, LAST, requests_of

MISSING = object()

SPECIAL = ["", " ", "\x00", "a\x00b", "\x1b[31m", "nan", "NaN", "inf", "-inf", "1e999", "-1e999", "9" * 5000,
           "-1", "0", "1.5", str(2**31), str(2**31 - 1), str(2**63), str(-2**63 - 1), "0001-01-01", "9999-12-31",
           "2024-02-30", "2030-01-01", "a/b@example.jp", "x@example.jp", "https://example.jp/", "ja", "en",
           "admin", "learner", "None", "y", "on", "../../etc/passwd", "<script>alert(1)</script>", "１２．５"]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.sampled_from(SPECIAL),
    st.integers(min_value=95, max_value=2100).map(lambda n: "長" * n),  # around every column's limit
)
hostile_file = st.tuples(st.binary(max_size=200), st.one_of(hostile_text, st.just("x" * 300 + ".pdf")))


def _text(*names):
    return lambda world: {name: hostile_text for name in names}


def _with_file(file_field, *names):
    return lambda world: {file_field: hostile_file, **{name: hostile_text for name in names}}


def _exercise_form(world):
    return {"body": hostile_text, "attachments": hostile_file, "keep_attachment": hostile_text,
            "preview": hostile_text, "save_draft": hostile_text, "submit": hostile_text, "check_answers": hostile_text,
            "remove_draft_attachment": hostile_text,
            f"q_{world.question.id}": hostile_text}


def _cohort_form(world):
    return {name: hostile_text for name in ("name", "description", "starts_on", "ends_on", "badges_need_approval",
                                            f"due_{world.exercise.id}", "prefill")}


def _schedule_form(world):
    return {name: hostile_text for name in (f"due_{world.exercise.id}", "submit", "confirm", "prefill")}


def _review_form(world):
    criterion = world.exercise.criteria[0]
    return {name: hostile_text for name in ("version_id", f"criterion_{criterion.id}", "feedback", "save_draft",
                                            "accept", "return_for_revision", "not_passed", "preview")}


def _review_draft_form(world):
    return {name: hostile_text for name in (f"criterion_{world.exercise.criteria[0].id}", "feedback")}


def _wallet_form(world):
    return {f"c{world.credential.id}-{name}": hostile_text for name in ("display_name", "evidence_public")}


# endpoint: who sends it (a key of world.people, "fresh_learner" or "anonymous") and its fields.
FORMS = {
    # Exemplary work (issue 15): the world's case is already nominated and published.
    "cases.consent": ("learner", _text("choice")),
    "cases.nominate": ("mentor", _text("note")),
    "cases.publish": ("organizer", _text()),
    "cases.unpublish": ("organizer", _text()),
    "cases.withdraw": ("learner", _text("confirm")),
    # The course catalogue (issue 15).
    "catalogue.confirm_import": ("organizer", _text("content", "token")),
    "catalogue.delete": ("organizer", _text("confirm")),
    "catalogue.manage": ("organizer", _with_file("courses")),
    "catalogue.mark_done": ("learner", _text("note", "next")),
    "catalogue.unmark_done": ("learner", _text("next")),
    # Learning paths (issue 15): a row of steps, then the path's own fields.
    "paths.create": ("organizer", _text("name_ja", "name_en", "description_ja", "description_en", "talent_level",
                                        "accepts_self_reported", "revokes_level_badges", "steps-0-item",
                                        "steps-0-required", "steps-0-position", "steps-1-item")),
    "paths.edit": ("organizer", _text("name_ja", "name_en", "talent_level", "steps-0-item", "steps-0-position",
                                      "steps-0-required")),
    # Deadlines (issue 12): extension requests, decisions, grants and accommodations.
    "deadlines.accommodation": ("organizer", _text("extra_days", "reason")),
    "deadlines.bulk_extension": ("organizer", _text("cohort_ids", "exercise_ids", "place_ids", "new_due_on",
                                                    "extra_days", "reason", "digest", "confirm")),
    "deadlines.approve": ("organizer", lambda world: {f"a{world.extension.id}-{name}": hostile_text
                                                      for name in ("due_on", "note")}),
    "deadlines.decline": ("organizer", lambda world: {f"d{world.extension.id}-note": hostile_text}),
    "deadlines.grant": ("organizer", _text("user_id", "exercise_id", "due_on", "reason")),
    "deadlines.mentors_decide": ("organizer", _text("allowed")),
    "deadlines.new_calendar_address": ("learner", _text()),
    "deadlines.request_extension": ("learner", _text("reason")),
    # Groups (issue 12): their forms name fields per group or learner; the plain names test the rest.
    "groups.create": ("organizer", _text("name")),
    "groups.delete": ("organizer", _text("confirm")),
    "groups.mentors": ("organizer", _text("mentor_ids")),
    "groups.place": ("organizer", _text()),
    "groups.rename": ("organizer", _text("name")),
    # Review checks (issue 13).
    "moderation.calibrate": ("mentor", _text("reference_id", "submit")),
    "moderation.checks": ("organizer", _text("release_gate", "release_gate_decisions", "moderation", "lead_ids",
                                              "trusted_ids", "save")),
    "moderation.reference_from_submission": ("organizer", _text("consent", "submit")),
    "moderation.references": ("organizer", _text("exemplar", "submit")),
    "moderation.release_decision": ("organizer", _text("proposal_id", "note", "release", "send_back")),
    "moderation.second_review": ("mentor", _text("feedback", "agree", "disagree")),
    "moderation.settle": ("organizer", _text("proposal_id", "accept", "return_for_revision")),
    # Self-enrolment (issue 12).
    "selfenrol.admit": ("organizer", _text()),
    "selfenrol.enter_code": ("learner", _text("code")),
    "selfenrol.join": ("other_learner", _text("cohort_id")),
    "selfenrol.new_code": ("organizer", _text()),
    "selfenrol.remove_waiting": ("organizer", _text()),
    "selfenrol.settings": ("organizer", _text("is_enabled", "capacity", "has_waiting_list")),
    "admin.edit_user": ("admin", _text("display_name", "role", "organization_id", "is_active")),
    "admin.new_user": ("admin", _text("email", "display_name", "role", "organization_id")),
    "admin.organizations": ("admin", _text("name_ja", "name_en", "kind", "parent_id")),
    "admin.resend_invitation": ("admin", _text()),
    "admin.sign_out_everywhere": ("admin", _text()),
    "auth.accept_invitation": ("anonymous", _text("password", "confirm")),
    "auth.change_password": ("learner", _text("current_password", "password", "confirm")),
    "auth.forgot_password": ("anonymous", _text("email")),
    "auth.login": ("anonymous", _text("email", "password")),
    "auth.logout": ("other_learner", _text()),
    "auth.reset_password": ("anonymous", _text("password", "confirm")),
    "auth.set_language": ("anonymous", _text("locale", "next")),
    "badges.approve": ("organizer", _text()),
    "badges.approve_cohort": ("organizer", _text("narrative")),
    "badges.evidence_consent": ("learner", _text("publishes_badge_evidence")),
    "badges.issuers": ("admin", _text("organization_id", "name_ja", "name_en", "url", "email", "uses_did_key")),
    "badges.revoke": ("organizer", _text("reason")),
    "badges.rotate_key": ("admin", _text()),
    "badges.verify": ("anonymous", _with_file("file")),
    "badges.wallet_settings": ("learner", _wallet_form),
    "cohorts.assign_mentor": ("organizer", _text("mentor_id")),
    "cohorts.change_status": ("organizer", _text("expected")),
    "cohorts.copy": ("organizer", _text("name", "starts_on")),
    "cohorts.create": ("organizer", _cohort_form),
    "cohorts.edit": ("organizer", _text("name", "description", "starts_on", "ends_on")),
    "cohorts.enrol": ("organizer", _text("emails")),
    "cohorts.schedule": ("organizer", _schedule_form),
    "cohorts.review_rules": ("organizer", _text("conflict_of_interest", "blind_review", "max_revision_rounds",
                                                "review_target_working_days", "auto_assign", "submit")),
    "cohorts.unassign_mentor": ("organizer", _text()),
    "comments.add": ("mentor", _text("version_id", "quote", "paragraph", "comment", "save_to_bank", "bank_criterion")),
    "comments.bank_page": ("organizer", _text("entry_id", "criterion", "body", "save", "delete", "move_up",
                                              "move_down")),
    "comments.delete": ("mentor", _text("comment_id")),
    "comments.discuss": ("learner", _text("message")),
    "enrolments.confirm_import": ("organizer", _text("content", "token")),
    "enrolments.import_participants": ("organizer", _with_file("participants")),
    "enrolments.move": ("organizer", _text("target_id")),
    "enrolments.readmit": ("organizer", _text()),
    "enrolments.withdraw": ("organizer", _text()),
    "learn.exercise": ("fresh_learner", _exercise_form),
    "learn.preview": ("learner", _text("body")),
    "notifications.mark_all_read": ("learner", _text()),
    "notifications.mark_read": ("learner", _text()),
    "notifications.settings": ("mentor", _text("work_returned", "submission_waiting", "overdue", "submit")),
    "reviews.assign": ("organizer", _text("mentor_id")),
    "reviews.distribute": ("organizer", _text()),
    "reviews.claim": ("mentor", _text()),
    "reviews.release": ("mentor", _text("return_to")),
    "learn.save_draft": ("fresh_learner", _text("body")),
    "reviews.review": ("mentor", _review_form),
    "reviews.save_draft": ("mentor", _review_draft_form),
}

# Late: revoking the badge changes what the public badge routes answer; logging out ends a session.
ORDER_LAST = ("badges.revoke", *LAST)

SETTINGS = settings(max_examples=15, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])



@pytest.fixture(scope="module", autouse=True)
def hypothesis_files_outside_the_repository(tmp_path_factory):
    # Even without an example database, Hypothesis caches constants and Unicode tables in ./.hypothesis.
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


_ARGUMENT = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def form_data(fields: dict):
    """A strategy of form data: each field hostile or missing, plus a stray field."""
    def drop_missing(values):
        return {name: value for name, value in values.items() if value is not MISSING}
    strategies = {name: st.one_of(st.just(MISSING), value) for name, value in fields.items()}
    strategies["stray\x00field"] = st.one_of(st.just(MISSING), hostile_text)
    return st.fixed_dictionaries(strategies).map(drop_missing)


def _as_request_data(data: dict) -> dict:
    return {name: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
            for name, value in data.items()}


class Tables:
    """Row counts after the previous request, so each request costs one count."""

    def __init__(self):
        self.counts = world_module.row_counts()

    def check(self, response, where: str) -> None:
        status = response.status_code
        response.close()
        assert status < 500, where
        counts = world_module.row_counts()
        if status >= 400:
            assert counts == self.counts, f"{where}: refused with {status} but a table changed"
        self.counts = counts


def test_every_post_route_has_a_form_row(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert sorted(posts - FORMS.keys()) == [], "add these forms to FORMS"
    assert sorted(FORMS.keys() - posts) == []


def test_no_form_answers_hostile_input_with_a_500_or_a_partial_write(app):
    world = world_module.build(app)
    people = {**world.people, "fresh_learner": world.fresh_learner, "anonymous": None}
    clients = {sender: world_module.signed_in_client(app, people[sender]) for sender, _ in FORMS.values()}
    posts = sorted(((endpoint, path) for endpoint, method, path in requests_of(app, world) if method == "POST"),
                   key=lambda item: item[0] in ORDER_LAST and ORDER_LAST.index(item[0]) + 1)
    tables = Tables()
    for endpoint, path in posts:
        sender, fields = FORMS[endpoint]
        client = clients[sender]

        @SETTINGS
        @given(data=form_data(fields(world)))
        def post_hostile_form(data):
            response = client.post(path, data=_as_request_data(data), content_type="multipart/form-data")
            tables.check(response, f"POST {path} ({endpoint}) with {data!r:.300}")

        post_hostile_form()


def test_no_url_parameter_answers_hostile_input_with_a_500(app):
    world = world_module.build(app)
    senders = ("admin", "organizer", "learner", "mentor", "anonymous")
    people = {**world.people, "anonymous": None}
    clients = {sender: world_module.signed_in_client(app, people[sender]) for sender in senders}
    query = st.dictionaries(st.sampled_from(["page", "q", "cohort", "exercise", "status", "to", "from", "next",
                                             "year", "state", "place", "table"]),
                            hostile_text, max_size=3)
    rules = sorted((rule for rule in app.url_map.iter_rules() if "GET" in rule.methods),
                   key=lambda rule: rule.endpoint)
    tables = Tables()
    for rule in rules:
        endpoint = rule.endpoint
        sender = next(role for role in senders if EXPECTED[endpoint][role] == ALLOWED)
        real = {name: str(value) for name, value in world.url_values(endpoint).items()}
        # Each argument hostile or, so that the query string reaches the view, the real object's.
        arguments = st.fixed_dictionaries({name: st.one_of(st.just(real[name]), hostile_text)
                                           for name in rule.arguments})

        @settings(SETTINGS, max_examples=10)
        @given(values=arguments, args=query)
        def get_hostile_url(values, args):
            path = _ARGUMENT.sub(lambda m: quote(values[m.group(1)], safe=""), rule.rule)
            response = clients[sender].get(path, query_string=args)
            tables.check(response, f"GET {path} ({endpoint}) ?{args!r:.200}")

        get_hostile_url()
