"""The one Markdown pipeline, against XSS payload corpora (our own, and the public one when present)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from app.core.markdown import MAX_CODE_SPAN_RUNS, MAX_LINK_PUNCTUATION, MAX_NESTING, render_markdown

OWN_CORPUS = Path(__file__).resolve().parent / "data" / "xss-payloads.txt"
# The public corpus beside the repository (../shared) is tested too when it is there; never required.
PUBLIC_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "xss" / "payloads-allthethings.txt"


def _payloads(path: Path) -> list[str]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.replace("\\n", "\n") if path == OWN_CORPUS else line for line in lines if line.strip()]


OWN_PAYLOADS = _payloads(OWN_CORPUS)
PAYLOADS = OWN_PAYLOADS + _payloads(PUBLIC_CORPUS)

_ALLOWED = {"a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
            "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul", "dl",
            "dt", "dd"}


def test_own_corpus_is_present():
    assert len(OWN_PAYLOADS) > 300


class _Elements(HTMLParser):
    """Every element and attribute as a browser's parser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_leaves_no_active_content(payload):
    for source in (payload, f"[link]({payload})", f"> {payload}\n\n| a |\n|---|\n| {payload} |"):
        html = str(render_markdown(source))
        parser = _Elements()
        parser.feed(html)
        for tag, attributes in parser.elements:
            assert tag in _ALLOWED, html
            for name, value in attributes:
                assert name in ("href", "title", "rel", "align"), html
                if name == "href":
                    scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                    assert scheme is None or scheme.group(1).lower() in ("http", "https", "mailto"), html


def test_links_get_nofollow_noopener():
    html = str(render_markdown("[道庁](https://www.pref.hokkaido.lg.jp/) と https://example.jp"))
    assert html.count('rel="nofollow noopener"') == 2


def test_tables_and_code_render():
    html = str(render_markdown("| 地区 | 戸数 |\n|:---|---:|\n| 北 | 93 |\n\n```\ncode <b>\n```"))
    assert '<td align="right">93</td>' in html and "&lt;b&gt;" in html


# Pathological inputs (bench/markdown_worst_case.py times them): the output stays right and visible.

def _text(html) -> str:
    return re.sub(r"<[^>]+>", "", str(html)).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")


@pytest.mark.parametrize("source", ["[" * 3000, "![" * 1500, "[a" * 1500, "[" * 1500 + "]" * 1500])
def test_unclosed_brackets_stay_visible_text(source):
    html = str(render_markdown(source))
    assert "<a" not in html and _text(html).strip() == source


def test_link_text_nests_brackets_up_to_the_limit():
    deep_enough = "[" * MAX_NESTING + "x" + "]" * MAX_NESTING
    too_deep = "[" + deep_enough + "]"
    assert 'href="target"' in str(render_markdown(f"{deep_enough}(target)"))
    html = str(render_markdown(f"{too_deep}(target)"))
    assert "<a" not in html and _text(html).strip() == f"{too_deep}(target)"


def test_normal_links_images_and_references_render_as_before():
    html = str(render_markdown("[a [b] c](http://x.jp \"t\") ![図](http://x.jp/i.png) [参照][r] [r]\n\n[r]: http://r.jp"))
    assert '<a href="http://x.jp" title="t" rel="nofollow noopener">a [b] c</a>' in html
    assert html.count('href="http://r.jp"') == 2 and "<img" not in html  # images are not on the allowlist


@pytest.mark.parametrize("marker", ["> ", "- ", "1. ", "* > "])
def test_a_line_opens_at_most_the_nesting_limit_of_lists_and_quotes(marker):
    html = str(render_markdown(marker * 5000 + "end"))
    assert html.count("<blockquote>") + html.count("<li>") <= MAX_NESTING
    assert _text(html).split()[-1] == "end"


def test_nesting_within_the_limit_renders_as_before():
    assert str(render_markdown("> > quoted")).count("<blockquote>") == 2
    assert str(render_markdown("- - item")).count("<ul>") == 2
    assert str(render_markdown("- - - - - - - - - - - - - - - - - - - -")) == "<hr>"


@pytest.mark.parametrize("source", ["[a](" * 1000, "[a](" + "(" * 3000, "![a](" * 800, "[a](b" * 800, "[a](<" * 800])
def test_unclosed_link_destinations_stay_visible_text(source):
    html = str(render_markdown(source))
    assert "<a" not in html and _text(html).strip() == source


def test_link_destinations_keep_parentheses_and_titles_as_before():
    assert str(render_markdown('[a](http://x.jp/(b) "t (c)")')) == (
        '<p><a href="http://x.jp/(b)" title="t (c)" rel="nofollow noopener">a</a></p>')
    # an unclosed title: the parentheses before it close the link, as Python-Markdown decides
    assert str(render_markdown('[a](b "t)')) == '<p><a href="b &quot;t" rel="nofollow noopener">a</a></p>'


def test_a_link_destination_has_at_most_the_limit_of_parentheses_and_quotes():
    within = "[a](http://x.jp/" + "(b)" * (MAX_LINK_PUNCTUATION // 2 - 1) + ")"
    beyond = "[a](http://x.jp/" + "(b)" * (MAX_LINK_PUNCTUATION // 2) + ")"
    assert str(render_markdown(within)).startswith('<p><a href="http://x.jp/(b)(b)')
    assert str(render_markdown(beyond)).startswith("<p>[a](<a ")  # the text stays; the URL is linkified


def test_bare_urls_after_parentheses_are_linked_as_before():
    assert str(render_markdown("(((https://example.jp/a) (see www.example.jp)")) == (
        '<p>(((<a href="https://example.jp/a" rel="nofollow noopener">https://example.jp/a</a>) '
        '(see <a href="http://www.example.jp" rel="nofollow noopener">www.example.jp</a>)</p>')
    assert "<a" not in str(render_markdown("(" * 3000 + "a"))


def test_code_spans_pair_as_before():
    assert str(render_markdown("a `x` b ``y ` z`` c")) == "<p>a <code>x</code> b <code>y ` z</code> c</p>"
    assert str(render_markdown("``a`")) == "<p><code>`a</code></p>"  # the longest shorter run closes it


def test_a_code_span_contains_at_most_the_limit_of_backtick_runs():
    within = "``" + "a```" * (MAX_CODE_SPAN_RUNS - 1) + "a``"
    beyond = "``" + "a```" * MAX_CODE_SPAN_RUNS + "a``"
    assert str(render_markdown(within)).startswith("<p><code>a```a")
    assert str(render_markdown(beyond)).startswith("<p>``a`<code>")  # the opening ticks stay text


def test_raw_html_is_shown_as_text_not_parsed():
    html = str(render_markdown("<b>太字</b> と <a"))
    assert html == "<p>&lt;b&gt;太字&lt;/b&gt; と &lt;a</p>"


def test_a_text_with_more_formatting_than_any_answer_is_shown_as_plain_text():
    from app.core.markdown import MAX_FORMATTING_MARKS
    text = "*強調* " * (MAX_FORMATTING_MARKS // 2 + 1) + "\n\n<script>alert(1)</script>\n次の行"
    html = str(render_markdown(text))
    assert "<em>" not in html and html.startswith("<p>*強調* *強調*")
    assert html.endswith("<p>&lt;script&gt;alert(1)&lt;/script&gt;<br>次の行</p>")


def test_formatting_up_to_the_limit_is_still_markdown():
    from app.core.markdown import MAX_FORMATTING_MARKS
    html = str(render_markdown("*強調* " * (MAX_FORMATTING_MARKS // 2)))
    assert html.count("<em>強調</em>") == MAX_FORMATTING_MARKS // 2
