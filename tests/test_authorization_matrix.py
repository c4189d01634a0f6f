"""Who may open what, for every route in the URL map: each endpoint is requested (GET, and POST with an
empty form) by each role, with real objects that belong to the first cohort's learner, and the outcome
is compared with the one cell declared for it below. A route without a row fails the suite."""

from urllib.parse import urlsplit

from flask import url_for

from tests import world as world_module
from tests.world import ROLES

ALLOWED = "allowed"  # the view ran: a page, a redirect that is not to the login page, or a form error
LOGIN = "login"  # sent to the login page, to come back afterwards
FORBIDDEN = "forbidden"  # 403: the role may not use this route at all
HIDDEN = "hidden"  # 404: the route is fine but the object is someone else's


def everyone() -> dict:
    return {role: ALLOWED for role in ROLES}


def signed_in(**cells) -> dict:
    return {**{role: ALLOWED for role in ROLES}, "anonymous": LOGIN, **cells}


def only(*roles: str) -> dict:
    return {role: ALLOWED if role in roles else FORBIDDEN for role in ROLES} | {"anonymous": LOGIN}


STAFF = ("organizer", "admin")
MENTORS = ("mentor", "other_mentor", "admin")

EXPECTED: dict[str, dict[str, str]] = {
    "admin.edit_user": only("admin"),
    "admin.new_user": only("admin"),
    "admin.organizations": only("admin"),
    "admin.resend_invitation": only("admin"),
    "admin.sign_out_everywhere": only("admin"),
    "admin.users": only("admin"),
    "auth.accept_invitation": everyone(),
    "auth.change_password": signed_in(),
    "auth.forgot_password": everyone(),
    "auth.login": everyone(),
    "auth.logout": signed_in(),
    "auth.reset_password": everyone(),
    "auth.set_language": everyone(),
    "badges.achievement": everyone(),
    "badges.achievement_image": everyone(),
    "badges.approve": only(*STAFF),
    "badges.approve_cohort": only(*STAFF),
    "badges.baked_png": everyone(),
    "badges.baked_svg": everyone(),
    "badges.certificate": everyone(),
    "badges.credential_json": everyone(),
    "badges.evidence": everyone(),
    "badges.evidence_consent": signed_in(),
    "badges.issuer": everyone(),
    "badges.issuers": only("admin"),
    "badges.manage": only(*STAFF),
    "badges.ob2_assertion": everyone(),
    "badges.ob2_badge_class": everyone(),
    "badges.ob2_baked_png": everyone(),
    "badges.ob2_issuer": everyone(),
    "badges.public_page": everyone(),
    "badges.revoke": only(*STAFF),
    "badges.rotate_key": only("admin"),
    "badges.status_list": everyone(),
    "badges.verify": everyone(),
    "badges.wallet": signed_in(),
    # Only the badge's own learner may change how it is shown.
    "badges.wallet_settings": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN,
                                        organizer=HIDDEN, admin=HIDDEN),
    # Exemplary work (issue 15): the library for everyone signed in; nominating for the cohort's mentors and
    # staff (a mentor of another cohort is told why); answering for the work's authors (others are told why).
    "cases.attachment": signed_in(),
    "cases.case": signed_in(),
    "cases.consent": only("learner"),
    "cases.export_csv": only(*STAFF),
    "cases.index": signed_in(),
    "cases.manage": only(*STAFF),
    "cases.mine": signed_in(),
    "cases.nominate": only("mentor", "organizer", "admin"),
    "cases.publish": only(*STAFF),
    "cases.unpublish": only(*STAFF),
    "cases.withdraw": only("learner"),
    "catalogue.confirm_import": only(*STAFF),
    "catalogue.delete": only(*STAFF),
    "catalogue.index": signed_in(),
    "catalogue.manage": only(*STAFF),
    "catalogue.mark_done": signed_in(),
    "catalogue.unmark_done": signed_in(),
    "paths.awards": only(*STAFF),
    "paths.create": only(*STAFF),
    "paths.edit": only(*STAFF),
    "paths.index": signed_in(),
    "paths.manage": only(*STAFF),
    "paths.show": signed_in(),
    "cohorts.assign_mentor": only(*STAFF),
    "cohorts.change_status": only(*STAFF),
    "cohorts.copy": only(*STAFF),
    "cohorts.create": only(*STAFF),
    "cohorts.detail": only(*STAFF),
    "cohorts.edit": only(*STAFF),
    "cohorts.enrol": only(*STAFF),
    "cohorts.index": only(*STAFF),
    "cohorts.participants_sample": only(*STAFF),
    "cohorts.schedule": only(*STAFF),
    "cohorts.review_rules": only(*STAFF),
    "cohorts.unassign_mentor": only(*STAFF),
    # Comments on passages: those who may review the submission (issue 13).
    "comments.add": {**only(*MENTORS), "other_mentor": HIDDEN},
    "comments.delete": {**only(*MENTORS), "other_mentor": HIDDEN},
    # The comment bank is curated by the programme office.
    "comments.bank_page": only(*STAFF),
    # The discussion: the submission's learner, the mentors of its cohort and staff.
    "comments.discuss": signed_in(other_learner=HIDDEN, other_mentor=HIDDEN),
    "enrolments.confirm_import": only(*STAFF),
    "enrolments.import_participants": only(*STAFF),
    "enrolments.move": only(*STAFF),
    "enrolments.readmit": only(*STAFF),
    "enrolments.withdraw": only(*STAFF),
    # The learner who wrote it, the mentors of its cohort and staff.
    # A cohort's groups (班) are the organizers' to arrange.
    "deadlines.accommodation": only(*STAFF),
    "deadlines.bulk_extension": only(*STAFF),
    "deadlines.calendar_settings": signed_in(),
    "deadlines.cohort_feed": everyone(),
    "deadlines.learner_feed": everyone(),
    "deadlines.new_calendar_address": signed_in(),
    "deadlines.approve": signed_in(learner=HIDDEN, other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN),
    "deadlines.cohort_extensions": signed_in(learner=HIDDEN, other_learner=HIDDEN, other_mentor=HIDDEN),
    "deadlines.decline": signed_in(learner=HIDDEN, other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN),
    "deadlines.grant": only(*STAFF),
    "deadlines.mentors_decide": only(*STAFF),
    "deadlines.request_extension": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN,
                                             organizer=HIDDEN, admin=HIDDEN),
    "groups.create": only(*STAFF),
    "groups.delete": only(*STAFF),
    "groups.index": only(*STAFF),
    "groups.mentors": only(*STAFF),
    "groups.place": only(*STAFF),
    "groups.rename": only(*STAFF),
    "home.index": signed_in(),
    # A home is offered to the people with its role (administrators review and organize too).
    "home.show": signed_in(learner=HIDDEN, other_learner=HIDDEN, organizer=HIDDEN),
    "learn.attachment": signed_in(other_learner=HIDDEN, other_mentor=HIDDEN),
    "learn.dashboard": signed_in(),
    # Only people enrolled in the cohort work on its exercises.
    "learn.exercise": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN, organizer=HIDDEN,
                                admin=HIDDEN),
    # People taking part in the module version (learners, mentors) and staff.
    "learn.material": signed_in(other_learner=HIDDEN, other_mentor=HIDDEN),
    "learn.module_overview": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN,
                                       organizer=HIDDEN, admin=HIDDEN),
    "learn.preview": signed_in(),
    # A draft is its author's alone: only the enrolled learner saves (and later sees) one.
    "learn.talent_levels": everyone(),
    "learn.save_draft": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN, organizer=HIDDEN,
                                  admin=HIDDEN),
    # Issue 13, review checks: a cohort's settings and mentor statistics for staff; held decisions for
    # staff and the cohort's lead mentors (the world's mentor is not one); calibration references for staff.
    "moderation.checks": only(*STAFF),
    "moderation.decisions": {**only(*MENTORS, "organizer"), "mentor": HIDDEN, "other_mentor": HIDDEN},
    "moderation.release_decision": {**only(*MENTORS, "organizer"), "mentor": HIDDEN, "other_mentor": HIDDEN},
    "moderation.settle": only(*STAFF),
    "moderation.mentor_statistics": only(*STAFF),
    "moderation.references": only(*STAFF),
    "moderation.reference_from_submission": only(*STAFF),
    # Mentors of a cohort working on the exercise (or the submission's cohort), and administrators.
    "moderation.second_review": {**only(*MENTORS), "other_mentor": HIDDEN},
    "moderation.calibrate": {**only(*MENTORS), "other_mentor": HIDDEN},
    "modules.changes": only(*STAFF),
    "modules.index": only(*STAFF),
    "modules.mentor_packs": only(*STAFF),
    # Everyone has notifications of their own; marking one read is for its recipient alone.
    "notifications.index": signed_in(),
    "notifications.mark_all_read": signed_in(),
    "notifications.mark_read": signed_in(other_learner=HIDDEN, mentor=HIDDEN, other_mentor=HIDDEN, organizer=HIDDEN,
                                         admin=HIDDEN),
    "notifications.settings": signed_in(),
    # Mentors read the progress table of their own cohorts only.
    # The signed-in user's own record: the URL names no one, so nobody else's can be asked for.
    "record.mine": signed_in(),
    "progress.cohort": {**only(*MENTORS, "organizer"), "other_mentor": HIDDEN},
    "progress.export_csv": only(*STAFF),
    "progress.export_xlsx": only(*STAFF),
    "progress.mentor_load": only(*STAFF),
    "progress.submission": only(*STAFF),
    "reviews.queue": only(*MENTORS),
    # Learners join a cohort themselves with its code (cohort A's, which the learner is already in).
    "selfenrol.enter_code": only("learner", "other_learner"),
    "selfenrol.join": only("learner", "other_learner"),
    "selfenrol.settings": only(*STAFF),
    "selfenrol.new_code": only(*STAFF),
    # Nobody is waiting: both go back to the cohort's page with a message.
    "selfenrol.admit": only(*STAFF),
    "selfenrol.remove_waiting": only(*STAFF),
    # Mentors of the submission's cohort, and administrators.
    "reviews.review": {**only(*MENTORS), "other_mentor": HIDDEN},
    "reviews.claim": {**only(*MENTORS), "other_mentor": HIDDEN},
    # The claim's holder (a mentor of the cohort), organizers and administrators.
    "reviews.release": {**only(*MENTORS, "organizer"), "other_mentor": HIDDEN},
    "reviews.assign": only(*STAFF),
    "reviews.cohort_claims": only(*STAFF),
    "reviews.cohort_audit": only(*STAFF),
    "reviews.distribute": only(*STAFF),
    # A mentor's own reviews.
    "reviews.history": only(*MENTORS),
    # A learner of one of the mentor's cohorts: never one outside them.
    "reviews.learner": {**only(*MENTORS), "other_mentor": HIDDEN},
    # Those who may review it; each saves (and sees) only their own draft.
    "reviews.save_draft": {**only(*MENTORS), "other_mentor": HIDDEN},
    "static": everyone(),
    "visibility.areas_csv": only(*STAFF),
    "visibility.coverage": only(*STAFF),
    "visibility.index": only(*STAFF),
    "visibility.training_records_csv": only(*STAFF),
}

# Run last: it ends the session the other requests use.
LAST = ("auth.logout",)


def outcome(response) -> str:
    status = response.status_code
    location = urlsplit(response.location or "")
    if status in (301, 302, 303) and location.path == "/login" and "next=" in location.query:
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if status < 400 or status in (409, 410, 422):
        return ALLOWED
    return f"status {status}"


def requests_of(app, world):
    """(endpoint, method, path) for every rule of the URL map, built with real objects."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.endpoint))
    with app.test_request_context():
        for rule in rules:
            values = {name: value for name, value in world.url_values(rule.endpoint).items()
                      if name in rule.arguments}
            path = url_for(rule.endpoint, **values)
            for method in ("GET", "POST"):
                if method in rule.methods:
                    yield rule.endpoint, method, path


def test_every_route_has_a_row():
    from app import create_app
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(endpoints - EXPECTED.keys()) == [], "add these routes to EXPECTED"
    assert sorted(EXPECTED.keys() - endpoints) == [], "these rows name no route"
    assert all(set(cells) == set(ROLES) for cells in EXPECTED.values())


def test_each_role_gets_what_the_table_declares(app):
    # One world for all roles: the empty-form POSTs change nothing another cell depends on.
    world = world_module.build(app)
    clients = {role: world_module.signed_in_client(app, world.people.get(role)) for role in ROLES}
    wrong = []
    for endpoint, method, path in requests_of(app, world):
        for role, client in clients.items():
            response = client.open(path, method=method)
            got = outcome(response)
            response.close()  # file downloads hold their file open until closed
            if got != EXPECTED[endpoint][role]:
                wrong.append(f"{role}: {method} {path} ({endpoint}): expected {EXPECTED[endpoint][role]}, got {got}")
    assert wrong == []
