"""The issue's journeys in a real browser, in Japanese and English, with axe-core, 375 px and 200 % text
checks on every page they pass (see journeys.Journey.arrive)."""

import pytest

from tests.browser.journeys import Journey, badge_journey, learner_journey, mentor_journey, organizer_journey

LOCALES = ["ja", "en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_learner_submits_sees_feedback_and_resubmits(new_page, world, tmp_path, locale):
    scene = world.scene(locale)
    journey = Journey(new_page(locale), world, locale, "learner")
    learner_journey(journey, scene, tmp_path)


@pytest.mark.parametrize("locale", LOCALES)
def test_mentor_returns_with_the_rubric_and_later_accepts(new_page, world, locale):
    scene = world.scene(locale)
    journey = Journey(new_page(locale), world, locale, "mentor")
    mentor_journey(journey, scene)


@pytest.mark.parametrize("locale", LOCALES)
def test_organizer_creates_a_cohort_imports_participants_assigns_a_mentor_and_reads_progress(
        new_page, world, tmp_path, locale):
    journey = Journey(new_page(locale), world, locale, "organizer")
    organizer_journey(journey, tmp_path)


@pytest.mark.parametrize("locale", LOCALES)
def test_learner_downloads_the_badge_and_a_stranger_verifies_it(new_page, world, tmp_path, locale):
    scene = world.scene(locale)
    learner = Journey(new_page(locale), world, locale, "badge-learner")
    stranger = Journey(new_page(locale), world, locale, "badge-stranger")
    badge_journey(learner, stranger, scene, tmp_path)
