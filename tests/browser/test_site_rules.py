"""Rules for every page that the journeys do not show on their own: forms and their errors, pages
without JavaScript, error pages."""

import re

from playwright.sync_api import expect

from tests.browser import checks
from tests.browser.journeys import Journey, NoScriptJourney, learner_journey, mentor_journey


def test_learner_journey_without_javascript(new_page, world, tmp_path):
    scene = world.scene("ja")
    learner_journey(NoScriptJourney(new_page("ja", javascript=False), world, "ja", "nojs-learner",
                                    full_checks=False), scene, tmp_path)


def test_mentor_journey_without_javascript(new_page, world):
    scene = world.scene("en")
    mentor_journey(NoScriptJourney(new_page("en", javascript=False), world, "en", "nojs-mentor",
                                   full_checks=False), scene)


def test_sign_in_errors_are_named_in_the_title_tied_to_fields_and_announced(new_page, world):
    page = new_page("ja")
    journey = Journey(page, world, "ja", "sign-in-errors")
    page.goto("/login")
    email = page.get_by_role("textbox", name=journey.t("Email address"))
    required = journey.t("(required)")
    # Required fields say so in text, as part of their label.
    expect(email).to_have_accessible_name(f"{journey.t('Email address')} {required}")
    expect(page.get_by_label(journey.t("Password"))).to_have_accessible_name(f"{journey.t('Password')} {required}")

    page.get_by_role("button", name=journey.t("Sign in")).last.click()
    page.wait_for_load_state("load")
    first_error = journey.t("Enter your email address.")
    assert page.title().startswith(f"{journey.t('Error')}: {first_error}")
    assert journey.t("Sign in") in page.title()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=journey.t("Email address"))).to_have_attribute("href", "#email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(re.escape(first_error)))  # after a CSS "⚠"
    checks.assert_no_serious_axe_violations(page, "sign-in-errors")

    email.fill("learner@example.jp")
    page.get_by_label(journey.t("Password")).fill("wrong password")
    page.get_by_role("button", name=journey.t("Sign in")).last.click()
    page.wait_for_load_state("load")
    assert journey.t("The email address or password is not correct.") in page.title()


def test_error_pages_have_a_language_and_a_title(new_page, world):
    page = new_page("ja")
    response = page.goto("/no-such-page")
    assert response.status == 404
    checks.assert_lang_and_title(page, "ja", world.t("ja", "Page not found"))
    checks.assert_no_serious_axe_violations(page, "404")


def test_a_printed_page_is_its_content_without_the_site_around_it(new_page, world):
    page = new_page("ja")
    page.goto("/verify")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    checks.screenshot(page, "print", "verify")
    page.emulate_media(media="screen")
    expect(page.locator(".site-header")).to_be_visible()
