"""Each role's home in a real browser, in ja and en at 1280 and 375 px (axe-core, reflow, 200 % text,
screenshots), and the header menu: one line at 1280 px, folded behind a button on a phone that works with
the keyboard and without JavaScript."""

import pytest
from playwright.sync_api import expect

from app.auth.models import Role
from tests.browser import checks
from tests.browser.journeys import Journey, KeyboardJourney, sign_in


def _home_person(world, role: str, locale: str):
    """Someone with work on their home: a mentor with a submission waiting, a learner with one sent."""
    if role in ("learner", "mentor"):
        scene = world.scene(locale)
        world.submit(scene, "01-look", "回答" if locale == "ja" else "Answer")
        return scene.learner if role == "learner" else scene.mentor
    return world.person(Role(role), locale)


HEADINGS = {"learner": "My learning", "mentor": "My reviews", "organizer": "Programme overview",
            "admin": "Administration"}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("role", ["learner", "mentor", "organizer", "admin"])
def test_each_role_lands_on_its_home(new_page, world, role, locale):
    journey = Journey(new_page(locale), world, locale, f"home-{role}")
    sign_in(journey, _home_person(world, role, locale), check_page=False)
    page = journey.page
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.t(HEADINGS[role]))
    journey.arrive("home", title=journey.t(HEADINGS[role]))
    page.set_viewport_size({"width": 375, "height": 900})
    checks.screenshot(page, journey.name, "home-375")


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("role", [Role.LEARNER, Role.MENTOR, Role.ORGANIZER, Role.ADMIN])
def test_every_roles_menu_fits_one_line_at_1280_px(new_page, world, locale, role):
    journey = Journey(new_page(locale), world, locale, f"menu-wide-{role}")
    sign_in(journey, world.person(role, locale), check_page=False)
    page = journey.page
    # Every item of the header (menu, language, account) on one line: their middles at the same height.
    middles = page.locator(".site-header .site-nav > ul > li, .site-tools > *").evaluate_all(
        "items => items.map(item => { const r = item.getBoundingClientRect();"
        " return Math.round(r.top + r.height / 2); })")
    assert len(middles) >= 6 and max(middles) - min(middles) <= 6, middles
    expect(page.locator("label[for=site-menu-toggle]")).to_be_hidden()


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_administrators_rarely_used_pages_are_one_click_away(new_page, world, locale):
    journey = Journey(new_page(locale), world, locale, "menu-wide")
    sign_in(journey, world.person(Role.ADMIN, locale), check_page=False)
    page = journey.page
    expect(page.locator("label[for=site-menu-toggle]")).to_be_hidden()
    # The rarely used pages are one click away, in the 「管理」 group.
    group = page.locator(".site-nav details")
    group.locator("summary").click()
    users = page.get_by_role("navigation", name=journey.t("Main menu")).get_by_role("link", name=journey.t("Users"))
    expect(users).to_be_visible()
    page.keyboard.press("Escape")
    expect(users).to_be_hidden()
    expect(group.locator("summary")).to_be_focused()


def test_phone_menu_opens_by_keyboard_and_says_whether_it_is_open(new_page, world):
    journey = KeyboardJourney(new_page("ja", width=375), world, "ja", "menu-phone", full_checks=False)
    sign_in(journey, world.person(Role.ORGANIZER), check_page=False)
    page = journey.page
    nav = page.get_by_role("navigation", name=journey.t("Main menu"))
    cohorts = nav.get_by_role("link", name=journey.t("Cohorts"))
    expect(cohorts).to_be_hidden()
    button = page.get_by_role("checkbox", name=journey.t("Menu"))
    expect(button).to_have_attribute("aria-expanded", "false")
    journey.tab_to(button)
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(cohorts).to_be_visible()
    checks.assert_no_serious_axe_violations(page, "menu-phone/open")
    checks.screenshot(page, journey.name, "open")
    journey.click(cohorts)
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.t("Cohorts"))


def test_phone_menu_opens_without_javascript(new_page, world):
    page = new_page("en", javascript=False, width=375)
    journey = Journey(page, world, "en", "menu-phone-nojs", full_checks=False)
    sign_in(journey, world.person(Role.MENTOR, "en"), check_page=False)
    queue = page.get_by_role("navigation", name=journey.t("Main menu")).get_by_role(
        "link", name=journey.t("Review queue"))
    expect(queue).to_be_hidden()
    page.locator("label[for=site-menu-toggle]").click()
    expect(queue).to_be_visible()
    queue.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(journey.t("Review queue"))
