"""The journeys of the issue, written once and walked in several ways: with a mouse or with the keyboard
only, in Japanese or English, with or without JavaScript.

A `Journey` is the person at the browser: it acts (click, fill, choose, attach) and, on each page it
arrives at, checks what every page must pass (language, title, axe, 375 px, 200 % text) and takes a
screenshot. `KeyboardJourney` does the same actions with Tab, Shift+Tab, Enter, Space, arrows and typing
only, and checks on every Tab that the focused element is visible and has a visible focus indicator.
"""

import re
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from app.auth.models import Role
from app.reviews.models import Decision
from tests.browser import checks
from tests.browser.world import PASSWORD, Person, Scene, World

# From tests/fixtures/content/mini-module (content, not translations: the same in every run).
MODULE_TITLE = {"ja": "テスト用モジュール", "en": "Test module"}
EXERCISE_TITLE = {"01-look": {"ja": "現状を見る", "en": "Look at the situation"},
                  "02-plan": {"ja": "計画を立てる", "en": "Make a plan"}}
CRITERIA = {"ja": ["根拠", "分かりやすさ", "実現可能性"], "en": ["Evidence", "Clarity", "Feasibility"]}
LEVEL = {"ja": {1: "1 — 少し", 3: "3 — 優れている"}, "en": {1: "1 — Some", 3: "3 — Excellent"}}


class Journey:
    javascript = True

    def __init__(self, page: Page, world: World, locale: str, name: str, *, full_checks: bool = True):
        self.page = page
        self.world = world
        self.locale = locale
        self.name = f"{name}-{locale}"
        self.full_checks = full_checks
        self.pages_seen: list[str] = []

    def t(self, message: str, **variables) -> str:
        return self.world.t(self.locale, message, **variables)

    # -- arriving at a page --------------------------------------------------------------------------

    def arrive(self, step: str, title: str | None = None) -> None:
        """Checks every page of a journey passes, then a screenshot for people to look at."""
        page = self.page
        page.wait_for_load_state("load")
        where = f"{self.name}/{step}"
        self.pages_seen.append(step)
        checks.assert_lang_and_title(page, self.locale, title)
        if self.full_checks:
            checks.assert_no_serious_axe_violations(page, where)
            checks.assert_reflows_at_375px(page, where)
            checks.assert_text_resizes_to_200_percent(page, where)
            checks.screenshot(page, self.name, f"{len(self.pages_seen):02d}-{step}")

    def go(self, path: str) -> None:
        """Open an address (a bookmark, a link from an email)."""
        self.page.goto(path)

    # -- acting: with a mouse ------------------------------------------------------------------------

    def click(self, target: Locator, navigates: bool = True) -> None:
        if navigates:
            with self.page.expect_event("load"):
                target.click()
        else:
            target.click()

    def fill(self, target: Locator, text: str) -> None:
        target.fill(text)

    def choose(self, radio: Locator) -> None:
        radio.check()

    def select(self, target: Locator, label: str) -> None:
        target.select_option(label=label)

    def attach(self, target: Locator, path: Path) -> None:
        target.set_input_files(str(path))

    def enter_date(self, target: Locator, day: date) -> None:
        target.fill(day.isoformat())


class NoScriptJourney(Journey):
    """A journey in a browser with JavaScript switched off: every page must work without enshu.js."""

    javascript = False


class KeyboardJourney(Journey):
    """No mouse: every action is a key press, and every Tab stop must show where the focus is."""

    max_tabs = 120

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Keep Playwright's file-chooser interception on for the whole page: switched on per
        # expect_file_chooser(), it races with a Space pressed straight after and the chooser is lost.
        self.page.on("filechooser", lambda chooser: None)

    def _focus_report(self) -> dict:
        return self.page.evaluate("""() => {
          const el = document.activeElement;
          if (!el || el === document.body) return {visible: false, what: 'nothing has focus'};
          const s = getComputedStyle(el), r = el.getBoundingClientRect();
          const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
          const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0
                           && r.top < innerHeight && r.left < innerWidth;
          return {visible: ring && onScreen, ring, onScreen, what: el.outerHTML.slice(0, 160)};
        }""")

    def tab_to(self, target: Locator) -> None:
        """Tab (or Shift+Tab) until `target` has the focus; each stop must show its focus."""
        handle = target.element_handle()
        backwards = self.page.evaluate("""t => { const a = document.activeElement;
            return !!(a && a !== document.body && a !== t
                      && (t.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING)); }""", handle)
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(self.max_tabs):
            if self.page.evaluate("t => document.activeElement === t", handle):
                return
            self.page.keyboard.press(key)
            report = self._focus_report()
            assert report["visible"], f"focus not visible on {self.page.url}: {report}"
        raise AssertionError(f"{key} never reached {target} on {self.page.url}")

    def click(self, target: Locator, navigates: bool = True) -> None:
        self.tab_to(target)
        is_toggle = target.evaluate("el => el.tagName === 'SUMMARY'")
        key = "Enter" if not is_toggle else "Space"
        if navigates:
            with self.page.expect_event("load"):
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)

    def fill(self, target: Locator, text: str) -> None:
        self.tab_to(target)
        self.page.keyboard.press("Control+a")
        self.page.keyboard.press("Delete")
        self.page.keyboard.insert_text(text)

    def choose(self, radio: Locator) -> None:
        """Tab into the radio group, then arrow keys to the wanted level."""
        name = radio.get_attribute("name")
        group = self.page.locator(f"input[type=radio][name='{name}']")
        self.tab_to(group.first if not group.evaluate_all("els => els.some(e => e.checked)")
                    else self.page.locator(f"input[type=radio][name='{name}']:checked"))
        handle = radio.element_handle()
        for _ in range(group.count()):
            if self.page.evaluate("t => document.activeElement === t", handle):
                break
            self.page.keyboard.press("ArrowDown")
        self.page.keyboard.press("Space")
        expect(radio).to_be_checked()

    def select(self, target: Locator, label: str) -> None:
        self.tab_to(target)
        labels = target.locator("option").all_inner_texts()
        wanted = labels.index(label)
        current = target.evaluate("el => el.selectedIndex")
        for _ in range(abs(wanted - current)):
            self.page.keyboard.press("ArrowDown" if wanted > current else "ArrowUp")
        expect(target.locator("option:checked")).to_have_text(label)

    def attach(self, target: Locator, path: Path) -> None:
        self.tab_to(target)
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press("Space")
        chooser.value.set_files(str(path))

    def enter_date(self, target: Locator, day: date) -> None:
        # The browser runs with --lang=en-US, so its date fields read month / day / year.
        self.tab_to(target)
        self.page.keyboard.type(day.strftime("%m%d%Y"))
        expect(target).to_have_value(day.isoformat())


# -- pieces shared by the journeys ------------------------------------------------------------------------

def sign_in(j: Journey, person: Person, check_page: bool = True) -> None:
    page = j.page
    j.go("/login")
    if j.locale == "en":
        j.click(page.get_by_role("button", name="English"))
    if check_page:
        j.arrive("login", title=j.t("Sign in"))
    j.fill(page.get_by_label(j.t("Email address")), person.email)
    j.fill(page.get_by_label(j.t("Password")), PASSWORD)
    j.click(page.locator("main").get_by_role("button", name=j.t("Sign in")))
    expect(page.locator(".user-name")).to_have_text(person.name)


def nav_link(j: Journey, message: str) -> Locator:
    return j.page.get_by_role("navigation", name=j.t("Main menu")).get_by_role("link", name=j.t(message))


def expect_flash(j: Journey, text: str) -> None:
    expect(j.page.locator(".flashes")).to_contain_text(text)


def expect_announced_errors(j: Journey, fields: list[Locator]) -> None:
    """An error summary that screen readers announce, each field tied to its message, and a page title
    that starts with the first error."""
    page = j.page
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    first_error = summary.locator("li").first.inner_text().split(": ", 1)[-1].strip()
    assert page.title().startswith(f"{j.t('Error')}: {first_error}"), page.title()
    if j.javascript:
        # enshu.js moves the focus to the summary, so it is read out first.
        expect(summary).to_be_focused()
    for field in fields:
        expect(field).to_have_attribute("aria-invalid", "true")
        ids = (field.get_attribute("aria-describedby") or "").split()
        messages = [page.locator(f"[id='{i}']") for i in ids if i.endswith("-error")]
        assert messages, f"{field} has no error in aria-describedby"
        expect(messages[0]).not_to_be_empty()


# -- the learner ------------------------------------------------------------------------------------------

def learner_journey(j: Journey, scene: Scene, files: Path) -> None:
    """Log in, open an exercise, write an answer, attach a file, submit, see the returned feedback,
    resubmit."""
    page, world = j.page, j.world
    exercise = EXERCISE_TITLE["01-look"][j.locale]
    sign_in(j, scene.learner)
    j.arrive("dashboard", title=j.t("My learning"))

    j.click(page.get_by_role("link", name=MODULE_TITLE[j.locale]))
    j.arrive("module", title=MODULE_TITLE[j.locale])
    j.click(page.locator("main table").get_by_role("link", name=exercise))
    j.arrive("exercise", title=exercise)

    answer = page.get_by_label(j.t("Your answer (Markdown)"))
    first = ("## 現状\n\n- いわしの水揚量は合計 800 t\n- さんまは減少が続いている" if j.locale == "ja"
             else "## Situation\n\n- Sardine landings total 800 t\n- Saury keeps declining")
    j.fill(answer, first)
    j.click(page.get_by_role("button", name=j.t("Preview")), navigates=not j.javascript)
    preview = page.locator("#answer-preview")
    expect(preview.get_by_role("heading", name="現状" if j.locale == "ja" else "Situation")).to_be_visible()

    # A file of a type that is not accepted: the answer stays, the error is tied to the file field.
    program = files / "tool.exe"
    program.write_bytes(b"MZ\x90\x00")
    attachments = page.get_by_label(j.t("Attach files"))
    j.attach(attachments, program)
    j.click(page.get_by_role("button", name=j.t("Submit"), exact=True))
    expect_announced_errors(j, [attachments])
    expect(answer).to_have_value(first)
    j.arrive("exercise-error", title=j.t("Error"))

    report = files / ("現状メモ.pdf" if j.locale == "ja" else "situation-notes.pdf")
    report.write_bytes(b"%PDF-1.4\n% Enshu browser test\n")
    j.attach(attachments, report)
    j.click(page.get_by_role("button", name=j.t("Submit"), exact=True))
    expect_flash(j, j.t("Version %(n)d was submitted. Your mentor will review it.", n=1))
    expect(page.locator("main .exercise-summary .status").first).to_have_text(j.t("Awaiting review"))
    j.arrive("submitted", title=exercise)

    # Meanwhile the mentor returns it for revision.
    feedback = "根拠となる数字の出典を書いてください。" if j.locale == "ja" else "Say where your numbers come from."
    world.review(scene, "01-look", Decision.RETURNED, 1, feedback)

    j.click(nav_link(j, "My learning"))
    returned = page.get_by_role("region", name=j.t("Came back for revision"))
    j.click(returned.get_by_role("link", name=exercise))
    feedback_panel = page.get_by_role("region", name=j.t("Feedback on version %(n)d", n=1))
    expect(feedback_panel).to_contain_text(feedback)
    expect(feedback_panel).to_contain_text(j.t("Returned for revision"))
    j.arrive("feedback", title=exercise)

    expect(answer).to_have_value(first)
    expect(page.get_by_label(report.name)).to_be_checked()  # the attachment carries over unless unticked
    second = first + ("\n\n出典: 模擬データ catch.csv" if j.locale == "ja" else "\n\nSource: simulated data catch.csv")
    j.fill(answer, second)
    j.click(page.get_by_role("button", name=j.t("Submit"), exact=True))
    expect_flash(j, j.t("Version %(n)d was submitted. Your mentor will review it.", n=2))
    j.arrive("resubmitted", title=exercise)

    stored = world.submission_state(scene, "01-look")
    assert stored["status"] == "awaiting_review"
    assert [v["number"] for v in stored["versions"]] == [1, 2]
    assert stored["versions"][1]["body"] == second
    assert stored["versions"][1]["attachments"] == [report.name]


# -- the mentor -------------------------------------------------------------------------------------------

def score(j: Journey, points: int) -> None:
    for criterion in CRITERIA[j.locale]:
        group = j.page.get_by_role("group", name=re.compile(re.escape(criterion)))
        j.choose(group.get_by_label(LEVEL[j.locale][points]))


def mentor_journey(j: Journey, scene: Scene) -> None:
    """Open the queue, review with the rubric, return; later accept."""
    page, world = j.page, j.world
    exercise = EXERCISE_TITLE["01-look"][j.locale]
    world.submit(scene, "01-look", "## 現状\n\n水揚量をまとめました。")
    sign_in(j, scene.mentor, check_page=False)

    j.click(nav_link(j, "Review queue"))
    j.arrive("queue", title=j.t("Review queue"))
    j.click(page.get_by_role("link", name=re.compile(re.escape(scene.learner.name))))
    j.arrive("review", title=exercise)
    expect(page.get_by_role("link", name="notes.txt")).to_be_visible()

    # Deciding without scores or feedback: the errors are listed, announced and tied to their fields.
    j.click(page.get_by_role("button", name=j.t("Return for revision")))
    expect_announced_errors(j, [page.get_by_label(j.t("Feedback for the learner (Markdown)"))])
    for criterion in CRITERIA[j.locale]:
        group = page.get_by_role("group", name=re.compile(re.escape(criterion)))
        expect(group).to_have_accessible_description(re.compile(re.escape(j.t("Choose a level for this criterion."))))
    j.arrive("review-errors", title=j.t("Error"))

    score(j, 1)
    if j.javascript:  # the running total as the levels are chosen; without the script it shows after a submit
        expect(page.locator(".running-total")).to_contain_text(j.t("%(points)s of %(max)s points", points=3, max=9))
        expect(page.locator(".running-total")).to_contain_text(j.t("below the pass mark: return for revision"))
    j.fill(page.get_by_label(j.t("Feedback for the learner (Markdown)")),
           "数字の出典を書いてください。" if j.locale == "ja" else "Please say where the numbers come from.")
    j.click(page.get_by_role("button", name=j.t("Return for revision")))
    expect_flash(j, j.t("Returned to the learner for revision (%(scored)s).",
                        scored=j.t("%(points)d of %(max)d points", points=3, max=9)))
    expect(page.locator("main")).to_contain_text(j.t("Nothing is waiting for review. Well done!"))
    j.arrive("queue-after-return", title=j.t("Review queue"))

    # Later the learner sends version 2.
    world.submit(scene, "01-look", "## 現状\n\n水揚量をまとめました。\n\n出典: 模擬データ")
    j.click(nav_link(j, "Review queue"))
    j.click(page.get_by_role("link", name=re.compile(re.escape(scene.learner.name))))
    j.click(page.get_by_text(j.t("Changes since version %(n)d", n=1)), navigates=False)
    expect(page.locator(".diff")).to_contain_text("出典: 模擬データ")
    j.arrive("review-version-2", title=exercise)
    score(j, 3)
    j.fill(page.get_by_label(j.t("Feedback for the learner (Markdown)")),
           "よくできました。" if j.locale == "ja" else "Well done.")
    j.click(page.get_by_role("button", name=j.t("Accept"), exact=True))
    expect_flash(j, j.t("Accepted (%(scored)s).", scored=j.t("%(points)d of %(max)d points", points=9, max=9)))
    j.arrive("queue-after-accept", title=j.t("Review queue"))
    assert world.submission_state(scene, "01-look")["status"] == "accepted"


# -- the badge ---------------------------------------------------------------------------------------------

def badge_journey(learner: Journey, stranger: Journey, scene: Scene, files: Path) -> None:
    """The learner completes the module, finds the badge in "My badges" and downloads the baked image;
    a stranger, not signed in, opens the public page and verifies the downloaded file."""
    page, world = learner.page, learner.world
    for slug in ("01-look", "02-plan"):  # 02-plan opens once 01-look is accepted
        world.submit(scene, slug, f"{slug} の回答")
        world.review(scene, slug, Decision.ACCEPTED, 3, "合格です。")
    sign_in(learner, scene.learner, check_page=False)
    learner.click(nav_link(learner, "My badges"))
    learner.arrive("wallet", title=learner.t("My badges"))
    expect(page.locator("main")).to_contain_text(MODULE_TITLE[learner.locale])
    with page.expect_download() as download:
        learner.click(page.get_by_role("link", name=learner.t("Download badge image (PNG)")), navigates=False)
    baked = files / "badge.png"
    download.value.save_as(baked)
    public_url = page.get_by_role("link", name=learner.t("Public page (share this link)")).get_attribute("href")

    verified = stranger.t("Verified: this badge is genuine and valid.")
    stranger.go(public_url)
    if stranger.locale == "en":
        stranger.click(stranger.page.get_by_role("button", name="English"))
    stranger.arrive("public-page", title=MODULE_TITLE[stranger.locale])
    expect(stranger.page.get_by_role("status")).to_contain_text(verified)
    expect(stranger.page.locator("main")).to_contain_text(scene.learner.name)
    stranger.click(stranger.page.get_by_role("link", name=stranger.t("Verify a badge file")))
    stranger.arrive("verify", title=stranger.t("Verify a badge"))
    stranger.attach(stranger.page.get_by_label(stranger.t("Badge image or credential file")), baked)
    stranger.click(stranger.page.locator("main").get_by_role("button", name=stranger.t("Check")))
    expect(stranger.page.get_by_role("region", name=stranger.t("Result"))).to_contain_text(verified)
    stranger.arrive("verified", title=stranger.t("Verify a badge"))


# -- the organizer ----------------------------------------------------------------------------------------

def organizer_journey(j: Journey, files: Path) -> None:
    """Create a cohort, import a CSV of participants (first with a mistake, then corrected), assign a
    mentor, read the progress page."""
    page, world = j.page, j.world
    organizer = world.person(Role.ORGANIZER, j.locale)
    learners = [world.person(Role.LEARNER, j.locale) for _ in range(2)]
    mentor = world.person(Role.MENTOR, j.locale)
    sign_in(j, organizer, check_page=False)

    j.click(nav_link(j, "Cohorts"))
    j.arrive("cohorts", title=j.t("Cohorts"))
    j.click(page.get_by_role("link", name=MODULE_TITLE[j.locale]))
    j.arrive("new-cohort", title=j.t("Create a cohort"))

    create = page.locator("main form").get_by_role("button", name=j.t("Create cohort"))
    j.click(create)
    name_field = page.get_by_label(j.t("Cohort name"))
    expect_announced_errors(j, [name_field, page.get_by_label(j.t("Start date"))])
    j.arrive("new-cohort-errors", title=j.t("Error"))

    today = date.today()
    cohort_name = f"{'ブラウザ受講期' if j.locale == 'ja' else 'Browser cohort'} {organizer.id}"
    j.fill(name_field, cohort_name)
    j.enter_date(page.get_by_label(j.t("Start date")), today)
    j.enter_date(page.get_by_label(j.t("End date")), today + timedelta(days=60))
    for offset, slug in ((20, "01-look"), (40, "02-plan")):
        j.enter_date(page.get_by_label(j.t("Due date: %(title)s", title=EXERCISE_TITLE[slug][j.locale])),
                     today + timedelta(days=offset))
    j.click(create)
    expect_flash(j, j.t("The cohort was created as a draft. Now enrol learners and assign mentors; "
                        "open it for enrolment or start it when it is ready."))
    j.arrive("cohort", title=cohort_name)

    # A participants list from a spreadsheet. The first file forgets the name of a new person: the preview
    # names the row and the value, and offers no import; the corrected file's preview shows what will
    # happen to every row, and confirming enrols both learners and invites the newcomer.
    newcomer = f"newcomer-{organizer.id}-{j.locale}@example.jp"
    wrong = files / "participants-wrong.csv"
    wrong.write_text(f"email,name\n{learners[0].email},\n{newcomer},\n", encoding="utf-8")
    j.attach(page.get_by_label(j.t("Participants list (CSV)")), wrong)
    j.click(page.get_by_role("button", name=j.t("Preview the import")))
    expect_announced_errors(j, [])
    expect(page.locator(".error-summary li")).to_have_text(
        j.t("Line %(n)d", n=3) + ": " + j.t("No account has the address “%(value)s”: enter a name in the file to "
                                            "create one.", value=newcomer))
    expect(page.get_by_role("button", name=j.t("Import %(n)d participant(s)", n=1))).to_have_count(0)
    j.arrive("import-report", title=j.t("Error"))
    assert world.cohort_named(cohort_name)["learners"] == []

    right = files / "participants.csv"
    right.write_text(f"email,name\n{learners[0].email},\n{learners[1].email},\n{newcomer},新人 さん\n",
                     encoding="utf-8")
    j.attach(page.get_by_label(j.t("Participants list (CSV)")), right)
    j.click(page.get_by_role("button", name=j.t("Preview the import")))
    rows = page.get_by_role("table", name=j.t("Every row of the file") + " (3)")
    expect(rows.get_by_role("row").filter(has_text=newcomer)).to_contain_text(j.t("New account and invitation"))
    j.arrive("import-preview", title=j.t("Import participants"))
    assert world.cohort_named(cohort_name)["learners"] == []
    j.click(page.get_by_role("button", name=j.t("Import %(n)d participant(s)", n=3)))
    expect_flash(j, j.t("%(enrolled)d participant(s) enrolled; %(created)d of them got a new account and an "
                        "invitation by email.", enrolled=3, created=1))
    j.arrive("imported", title=cohort_name)

    j.select(page.get_by_role("combobox", name=j.t("Mentor")), f"{mentor.name} ({mentor.email})")
    j.click(page.get_by_role("button", name=j.t("Assign mentor")))
    expect_flash(j, j.t("%(name)s is now a mentor of this cohort.", name=mentor.name))
    j.arrive("cohort-with-mentor", title=cohort_name)

    # The schedule page, then the cohort starts: a confirmation page says what will change first.
    j.click(page.get_by_role("link", name=j.t("Change the schedule")))
    j.arrive("schedule", title=f"{j.t('Schedule')} – {cohort_name}")
    j.click(page.locator("main form").get_by_role("button", name=j.t("Save schedule")))
    expect_flash(j, j.t("The schedule was saved."))
    j.click(page.get_by_role("link", name=j.t("Start running")))
    j.arrive("start-running", title=f"{j.t('Start running')} – {cohort_name}")
    j.click(page.locator("main form").get_by_role("button", name=j.t("Start running")))
    expect_flash(j, j.t("The cohort is now: %(state)s.", state=j.t("Running")))
    j.arrive("cohort-running", title=cohort_name)

    j.click(page.locator("main").get_by_role("link", name=j.t("Progress table")))
    table = page.get_by_role("table", name=j.t("Status of each learner's work per exercise"))
    for learner in learners:
        expect(table.get_by_role("rowheader", name=learner.name)).to_be_visible()
    j.arrive("progress", title=j.t("Progress"))

    stored = world.cohort_named(cohort_name)
    assert stored["learners"] == sorted([p.email for p in learners] + [newcomer])
    assert stored["mentors"] == [mentor.email]

    # A learner leaves: a confirmation that says what happens, a button marked as dangerous; then back.
    j.click(page.get_by_role("link", name=cohort_name))
    learner_row = page.get_by_role("row").filter(has_text=learners[0].email)
    j.click(learner_row.get_by_role("link", name=j.t("Withdraw")))
    j.arrive("withdraw", title=j.t("Withdraw %(name)s?", name=learners[0].name))
    j.click(page.get_by_role("button", name=j.t("Withdraw %(name)s", name=learners[0].name)))
    expect_flash(j, j.t("%(name)s was withdrawn from this cohort. Their work is kept; you can re-admit them at any "
                        "time.", name=learners[0].name))
    j.arrive("withdrawn", title=cohort_name)
    j.click(learner_row.get_by_role("button", name=j.t("Re-admit")))
    expect_flash(j, j.t("%(name)s is taking part in this cohort again, with all their earlier work.",
                        name=learners[0].name))
