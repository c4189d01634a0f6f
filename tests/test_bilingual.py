from app.auth.models import Organization
from app.content.models import Question
from app.core.bilingual import Bilingual


class Brief:
    summary_html = Bilingual("summary_{}_html")

    def __init__(self):
        self.summary_ja_html, self.summary_en_html = "<p>概要</p>", "<p>Summary</p>"


def test_english_reads_the_en_column_and_every_other_locale_the_japanese_one():
    brief = Brief()
    assert brief.summary_html("en") == "<p>Summary</p>"
    assert brief.summary_html("ja") == "<p>概要</p>"
    assert brief.summary_html("fr") == "<p>概要</p>"


def test_models_keep_their_per_locale_accessors(app):
    sapporo = Organization(name_ja="札幌市", name_en="Sapporo")
    assert (sapporo.name("ja"), sapporo.name("en")) == ("札幌市", "Sapporo")
    # A missing English text stays missing: no silent fallback to Japanese in an English page.
    question = Question(unit_ja="件", unit_en=None)
    assert (question.unit("ja"), question.unit("en")) == ("件", None)
