"""Keyboard only: every journey can be completed without a mouse, focus is always visible (checked on
every Tab stop by KeyboardJourney.tab_to), and a skip link leads to the main content."""

from playwright.sync_api import expect

from tests.browser.journeys import KeyboardJourney, learner_journey, mentor_journey, organizer_journey, sign_in


def test_learner_journey_by_keyboard_only(new_page, world, tmp_path):
    scene = world.scene("ja")
    learner_journey(KeyboardJourney(new_page("ja"), world, "ja", "keyboard-learner", full_checks=False),
                    scene, tmp_path)


def test_mentor_journey_by_keyboard_only(new_page, world):
    scene = world.scene("en")
    mentor_journey(KeyboardJourney(new_page("en"), world, "en", "keyboard-mentor", full_checks=False), scene)


def test_organizer_journey_by_keyboard_only(new_page, world, tmp_path):
    organizer_journey(KeyboardJourney(new_page("ja"), world, "ja", "keyboard-organizer", full_checks=False),
                      tmp_path)


def test_skip_link_is_the_first_stop_and_leads_to_the_main_content(new_page, world):
    scene = world.scene("ja")
    journey = KeyboardJourney(new_page("ja"), world, "ja", "skip-link", full_checks=False)
    sign_in(journey, scene.learner, check_page=False)
    page = journey.page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=journey.t("Skip to main content"))
    expect(skip).to_be_focused()
    assert journey._focus_report()["visible"]
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next stop is inside the main content, past the header and its menu.
    page.keyboard.press("Tab")
    assert page.evaluate("() => !!document.activeElement.closest('main')")
