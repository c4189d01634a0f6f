"""Every page of the app as a person who may open it sees it, in Japanese and in English, at 1280 and at
375 px: a screenshot of each for people to look at (test-output/screenshots/every-page-*), and the checks
every page must pass (language and title, axe-core without serious or critical findings, no sideways
scrolling on a phone).

The pages are the GET routes of the URL map, opened with the real objects of the authorization matrix's
world (tests/world.py) by the first role the matrix allows (a visitor who is not signed in, then a learner,
a mentor, an organizer, an administrator). Routes that answer with something other than a page (JSON, images,
downloads, calendars) are opened too, and must answer, but have nothing to look at."""

import pytest
from flask import url_for
from playwright.sync_api import expect

from tests import world as matrix_world
from tests.browser import checks
from tests.factories import PASSWORD
from tests.test_authorization_matrix import ALLOWED, EXPECTED

VIEWERS = ("anonymous", "learner", "mentor", "organizer", "admin")
# Opening these changes who is signed in or in which language: they are not pages to look at.
NOT_PAGES = {"auth.logout", "auth.set_language", "static"}


@pytest.fixture(scope="module")
def pages_by_viewer(world) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """viewer -> (their e-mail, [(endpoint, path)])."""
    app = world.app
    with app.app_context():
        built = matrix_world.build(app)
        found: dict[str, tuple[str, list]] = {}
        with app.test_request_context():
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
                if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                    continue
                viewer = next(v for v in VIEWERS if EXPECTED[rule.endpoint][v] == ALLOWED)
                values = built.url_values(rule.endpoint)
                path = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
                email = "" if viewer == "anonymous" else built.people[viewer].email
                found.setdefault(viewer, (email, []))[1].append((rule.endpoint, path))
        matrix_world.db.session.remove()
    return found


def _sign_in(page, email: str, locale: str) -> None:
    page.goto("/login")
    if email:
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password]").fill(PASSWORD)
        with page.expect_event("load"):
            page.locator("input[name=password]").press("Enter")
        expect(page.locator(".user-name")).to_be_visible()
    if locale == "en":
        with page.expect_event("load"):
            page.get_by_role("button", name="English").click()


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_every_page_in_both_languages_at_1280_and_375_px(new_page, pages_by_viewer, locale):
    looked_at, problems = 0, []
    for viewer, (email, pages) in pages_by_viewer.items():
        page = new_page(locale)
        _sign_in(page, email, locale)
        for endpoint, path in pages:
            answer = page.request.get(path, max_redirects=0)
            assert answer.status < 400, f"{endpoint} as {viewer}: {answer.status}"
            if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(path)
            where = f"{locale}/{endpoint}/{viewer}"
            checks.screenshot(page, f"every-page-{locale}", f"{endpoint}-1280")
            # Every page is looked at before the test fails, so that one run names every page to mend.
            # axe once per page (in Japanese): the English page has the same structure.
            for check in (lambda: checks.assert_lang_and_title(page, locale),
                          lambda: locale == "ja" and checks.assert_no_serious_axe_violations(page, where),
                          lambda: checks.assert_reflows_at_375px(page, where)):
                try:
                    check()
                except AssertionError as e:
                    problems.append(str(e).split("\n")[0][:400])
            page.set_viewport_size({"width": 375, "height": 740})
            checks.screenshot(page, f"every-page-{locale}", f"{endpoint}-375")
            looked_at += 1
    assert not problems, "\n".join(problems)
    # Most routes are pages; the rest are files, documents and images (a tour that skipped everything fails).
    assert looked_at >= 40
