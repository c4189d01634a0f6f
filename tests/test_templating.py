"""The template helpers every page uses: translations bound once per render, and macros that use them."""

from pathlib import Path

import flask_babel
import pytest
from flask import render_template_string
from flask_babel import force_locale

ROOT = Path(__file__).resolve().parents[1]

PAGE = """{% from "macros.html" import status_badge with context %}
{%- for i in range(3) %}{{ _("Accepted") }}|{% endfor %}
{{- _("cohort %(name)s", name=name) }}|{{ _("100%%") }}|
{{- ngettext("%(num)d submission is waiting for review.", "%(num)d submissions are waiting for review.", 2) }}|
{{- status_badge("returned") }}"""


@pytest.fixture
def catalogue_look_ups(monkeypatch):
    """How often a catalogue is looked up: Flask-Babel's own template callables do it for every string."""
    calls = []
    original = flask_babel.Domain.get_translations

    def counted(self):
        calls.append(flask_babel.get_locale().language)
        return original(self)

    monkeypatch.setattr(flask_babel.Domain, "get_translations", counted)
    return calls


@pytest.mark.parametrize("locale, expected", [
    ("ja", "合格|合格|合格|受講期「&lt;b&gt;北&lt;/b&gt;」|100%|2件の提出物がレビュー待ちです。|"
           '<span class="status status--returned">差し戻し</span>'),
    ("en", "Accepted|Accepted|Accepted|cohort &lt;b&gt;北&lt;/b&gt;|100%|2 submissions are waiting for review.|"
           '<span class="status status--returned">Returned for revision</span>'),
])
def test_a_render_translates_with_one_catalogue_look_up(app, locale, expected, catalogue_look_ups):
    with app.test_request_context(), force_locale(locale):
        assert render_template_string(PAGE, name="<b>北</b>") == expected
    # Once for the render's context, whatever the number of strings in loops, blocks and macros.
    assert catalogue_look_ups == [locale]


def test_a_mail_rendered_in_another_language_within_a_request_uses_that_language(app):
    with app.test_request_context(), force_locale("ja"):
        page = render_template_string('{{ _("Accepted") }}')
        with force_locale("en"):
            mail = render_template_string('{{ _("Accepted") }}')
        assert (page, mail) == ("合格", "Accepted")


def test_text_that_is_not_escaped_keeps_its_variables_as_they_are(app):
    with app.test_request_context(), force_locale("en"):
        rendered = render_template_string(
            '{% autoescape false %}{{ _("cohort %(name)s", name=name) }}{% endautoescape %}', name="A & B")
    assert rendered == "cohort A & B"


def test_every_template_imports_macros_with_the_renders_translations():
    """A template imported without context sees only the environment's globals: its strings would each
    look the catalogue up again (correct, but the slow path this module exists to avoid)."""
    without_context = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "app").rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ("{% from " in line or "{% import " in line) and "with context" not in line]
    assert without_context == []
