"""Nothing typed is lost, in a real browser: the page's script saves the answer and the mentor's review as
drafts while they are typed, and a reload or a new tab brings them back with 「下書き（保存 14:32）」;
checking answers keeps the answer box and shows the result where the learner is. (Without JavaScript,
the 「下書き保存」 button does the saving: tests/test_drafts.py.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.journeys import CRITERIA, EXERCISE_TITLE, LEVEL, Journey, sign_in


def _note_pattern(j: Journey):
    saved = j.t("Draft (saved %(time)s)", time="@@")
    return re.compile(re.escape(saved).replace("@@", r"\d\d:\d\d"))


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_typed_answer_is_saved_while_typing_and_back_after_a_reload(new_page, world, locale):
    scene = world.scene(locale)
    j = Journey(new_page(locale), world, locale, "drafts-learner")
    sign_in(j, scene.learner, check_page=False)
    page = j.page
    exercise_path = f"/cohorts/{scene.cohort_id}/exercises/{scene.exercise_ids['01-look']}"
    j.go(exercise_path)
    answer = page.get_by_label(j.t("Your answer (Markdown)"))
    note = page.locator("main [data-draft-note]")
    expect(note).to_be_hidden()  # nothing saved yet, nothing said

    typed = "## 途中\n\n- いわしの水揚量は" if locale == "ja" else "## Draft\n\n- Sardine landings are"
    answer.press_sequentially(typed[:6])
    answer.press_sequentially(typed[6:])
    expect(note).to_have_text(_note_pattern(j))  # a few seconds after the last key
    j.arrive("exercise-draft-saved", title=EXERCISE_TITLE["01-look"][locale])

    page.reload()
    expect(answer).to_have_value(typed)
    expect(note).to_have_text(_note_pattern(j))

    # Typing and closing the tab at once: the page sends what is pending as it goes.
    more = typed + (" 800 t" if locale == "ja" else " 800 t")
    answer.fill(more)
    context = page.context
    page.close()
    again = context.new_page()
    reopened = again.get_by_label(j.t("Your answer (Markdown)"))
    for _ in range(20):  # the closing page's last save may still be on its way when the new tab opens
        again.goto(exercise_path)
        if reopened.input_value() == more:
            break
        again.wait_for_timeout(250)
    expect(reopened).to_have_value(more)


def test_checking_answers_keeps_what_was_typed_and_shows_the_result_at_the_questions(new_page, world):
    scene = world.scene("ja")
    j = Journey(new_page("ja"), world, "ja", "drafts-check")
    sign_in(j, scene.learner, check_page=False)
    page = j.page
    j.go(f"/cohorts/{scene.cohort_id}/exercises/{scene.exercise_ids['01-look']}")
    answer = page.get_by_label(j.t("Your answer (Markdown)"))
    answer.fill("答え合わせの前に書いた文章")
    page.locator("main input[inputmode=decimal]").first.fill("800")
    j.click(page.get_by_role("button", name=j.t("Check answers")))
    expect(page.locator(".question-status .result").first).to_be_in_viewport()
    expect(answer).to_have_value("答え合わせの前に書いた文章")
    j.arrive("exercise-checked", title=EXERCISE_TITLE["01-look"]["ja"])


def test_a_mentors_scores_and_feedback_are_saved_while_typing(new_page, world):
    scene = world.scene("ja")
    world.submit(scene, "01-look", "## 現状\n\n水揚量をまとめました。")
    j = Journey(new_page("ja"), world, "ja", "drafts-mentor")
    sign_in(j, scene.mentor, check_page=False)
    page = j.page
    j.go("/review/")
    j.click(page.get_by_role("link", name=re.compile(re.escape(scene.learner.name))))
    level = page.get_by_role("group", name=re.compile(CRITERIA["ja"][0])).get_by_label(LEVEL["ja"][3])
    level.check()
    feedback = page.get_by_label(j.t("Feedback for the learner (Markdown)"))
    feedback.press_sequentially("出典を書きましょう")
    expect(page.locator("main [data-draft-note]")).to_have_text(_note_pattern(j))
    j.arrive("review-draft-saved", title=EXERCISE_TITLE["01-look"]["ja"])
    page.reload()
    expect(feedback).to_have_value("出典を書きましょう")
    expect(level).to_be_checked()
