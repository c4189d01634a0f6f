"""The one Markdown pipeline: every user text (and every brief) becomes HTML only through here.

Anyone can submit up to MAX_ANSWER_CHARS of text, so the pipeline's cost must grow linearly with it.
Python-Markdown as shipped does not: its link and image processors scan from every `[` to the end
of the paragraph (quadratic; "[" * 4000 took 5 s), and it nests a list or blockquote per marker at the
start of a line (`- - - ...` overflows the stack). We bound both at the cause: link text may nest
brackets MAX_NESTING deep, and a line opens at most MAX_NESTING lists and quotes; deeper markers stay
visible as text. Raw HTML is not Markdown here: it is shown as text (the standard library's HTML parser
that Python-Markdown uses for it is quadratic on a `<` without `>`: "<a " * 16000 took 47 s). What is
left is linear, but Markdown and bleach spend time per element they build (12,500 emphases took
1.7 s): a text with more than MAX_FORMATTING_MARKS formatting characters, far beyond any real answer, is
shown as plain text instead. bench/markdown_worst_case.py measures the worst cases."""

import html

import re
from functools import partial

import bleach
import markdown as md
from bleach.linkifier import URL_RE, LinkifyFilter
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

MAX_NESTING = 16
MAX_FORMATTING_MARKS = 3_000
_FORMATTING_MARK = re.compile(r"[*_`\[\]<>&|\\]|^[ \t]*(?:[-+>]|\d+\.)", re.MULTILINE)
MAX_LINK_PUNCTUATION = 64
MAX_CODE_SPAN_RUNS = 32

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul", "dl", "dt", "dd",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"


def _set_link_rel(attrs, new=False):
    attrs[(None, "rel")] = LINK_REL
    return attrs


# bleach's URL pattern starts with `\(*`, tried again from every parenthesis of a run ("(" * 50000 took
# minutes). A match may only start where a run starts: any match from inside the run is also one from
# its start, which finditer tries first.
_URL_AT_RUN_START = re.compile(r"(?<!\()" + URL_RE.pattern, URL_RE.flags)

_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"}, url_re=_URL_AT_RUN_START)],
)


def _nested_brackets(depth: int) -> str:
    """A regular expression for text with balanced brackets nested at most `depth` deep. Possessive
    quantifiers: a failed match never backtracks, so it costs at most one pass over what it read."""
    if depth == 0:
        return r"[^\[\]]*+"
    return rf"[^\[\]]*+(?:\[{_nested_brackets(depth - 1)}\][^\[\]]*+)*+"


_LINK_TEXT = re.compile(_nested_brackets(MAX_NESTING - 1) + r"\]")


class _BoundedLinkText:
    """Finds the `]` that closes a link text in one regular-expression match instead of Python-Markdown's
    character loop to the end of the paragraph; a link text nesting brackets deeper than MAX_NESTING
    is not a link, so its brackets stay text."""

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        match = _LINK_TEXT.match(data, index)
        if match is None:
            return "", index, False
        return data[index:match.end() - 1], match.end(), True


_LINK_PUNCTUATION = re.compile(r"[()'\"]")


class _BoundedLinkDestination:
    """Python-Markdown's scan of `(destination "title")` after a link text, visiting only its parentheses
    and quotes (found by a regular expression) instead of every character to the end of the paragraph,
    and giving up after MAX_LINK_PUNCTUATION of them: such a destination is not a link, its text stays.
    Up to that bound it decides exactly as Python-Markdown's loop, which this follows step by step."""

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        match = self.RE_LINK.match(data, pos=index)
        if match is None:
            return "", None, index, False
        title = None
        if match.group(1):  # [text](<destination> "title")
            href = match.group(1)[1:-1].strip()
            if match.group(2):
                title = match.group(2)[1:-1]
            index = match.end(0)
        else:
            start = match.end()
            href, title, index = self._scan_destination(data, start)
            if index is None:
                return "", None, start, False
        if title is not None:
            title = self.RE_TITLE_CLEAN.sub(" ", inlinepatterns.dequote(self.unescape(title.strip())))
        return self.unescape(href).strip(), title, index, True

    @staticmethod
    def _scan_destination(data: str, start: int) -> tuple[str, str | None, int | None]:
        """(href, title, end) of the destination starting at `start`, end None when it does not close.
        A title opens at the first quote; inside it parentheses count only towards a fallback end."""
        depth = backtrack = 1
        fallback_end = -1
        quote = alt_quote = None
        quote_start = quote_end = alt_quote_start = alt_quote_end = -1
        in_title = False
        for seen, punctuation in enumerate(_LINK_PUNCTUATION.finditer(data, start)):
            if seen == MAX_LINK_PUNCTUATION:
                return "", None, None
            pos = punctuation.start()
            char = data[pos]
            if char == "(":
                if not in_title:
                    depth += 1
                elif backtrack > 0:
                    backtrack -= 1
            elif char == ")":
                last = _last_non_space(data, start, pos)
                if (quote_end != -1 and quote == last) or (alt_quote_end != -1 and alt_quote == last):
                    depth = 0
                elif not in_title:
                    depth -= 1
                elif backtrack > 0:
                    backtrack -= 1
                    if backtrack == 0:
                        fallback_end = pos + 1
                if depth == 0:
                    if quote_end >= 0 and quote == last:
                        return data[start:quote_start - 1], data[quote_start:quote_end - 1], pos + 1
                    if alt_quote_end >= 0 and alt_quote == last:
                        return data[start:alt_quote_start - 1], data[alt_quote_start:alt_quote_end - 1], pos + 1
                    return data[start:pos], None, pos + 1
            elif quote is None:
                in_title, backtrack, depth = True, depth, 1
                quote, quote_start = char, pos + 1
            elif char != quote and alt_quote is None:
                alt_quote, alt_quote_start = char, pos + 1
            elif char == quote:
                quote_end = pos + 1
            elif char == alt_quote:
                alt_quote_end = pos + 1
        if backtrack == 0:  # an unclosed title, but its parentheses closed the link before it
            return data[start:fallback_end - 1], None, fallback_end
        return "", None, None


def _last_non_space(data: str, start: int, pos: int) -> str:
    """The last character before `pos` (and from `start`) that is not a space, "" when there is none."""
    while pos > start and data[pos - 1] == " ":
        pos -= 1
    return data[pos - 1] if pos > start else ""


class _Link(_BoundedLinkText, _BoundedLinkDestination, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedLinkText, _BoundedLinkDestination, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_BoundedLinkText, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLinkText, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedLinkText, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedLinkText, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


_BACKTICKS = re.compile(r"`+")


class _BoundedCodeSpan(inlinepatterns.BacktickInlineProcessor):
    """Python-Markdown's search for the backticks closing a code span, visiting runs of backticks (found
    by a regular expression) instead of every character to the end of the paragraph, and giving up
    after MAX_CODE_SPAN_RUNS runs: the opening backticks then stay text. Up to that bound it pairs
    exactly as Python-Markdown does: the first run as long as the opening one, else the longest shorter
    one."""

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        opening = _BACKTICKS.match(text, start)
        max_ticks = len(opening.group()) if opening else 0
        start += max_ticks
        longest_span = end = 0
        for seen, run in enumerate(_BACKTICKS.finditer(text, start)):
            if seen == MAX_CODE_SPAN_RUNS:
                return start + max_ticks, None  # as when nothing pairs
            span_length = run.end() - run.start()
            if span_length == max_ticks:
                return start, run.start()
            if span_length > longest_span:
                longest_span, end = span_length, run.end()
        if 0 < longest_span < max_ticks:
            return start - (max_ticks - longest_span), end - longest_span
        return start + max_ticks, None


# A quote or list marker; a line starting with more than MAX_NESTING of them (after at most three
# spaces, so not an indented code block) is cut after the last allowed one, in front of the next
# marker's punctuation.
_MARKER = r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))"
_TOO_MANY_MARKERS = re.compile(rf"^[ ]{{0,3}}(?:{_MARKER}[ \t]*+){{{MAX_NESTING}}}(?={_MARKER})\d*")
_RULE = re.compile(r"^[ ]{0,3}([-*_])(?:[ ]*+\1)*+[ ]*+$")


class _LimitContainerNesting(Preprocessor):
    """Escapes the marker beyond MAX_NESTING at a line start, so it and the rest of the line stay text.
    Runs after fenced code is set aside; a horizontal rule (`- - - -`) is no list and stays as it is."""

    def run(self, lines: list[str]) -> list[str]:
        return [line if _RULE.match(line) else _TOO_MANY_MARKERS.sub(lambda m: m.group(0) + "\\", line)
                for line in lines]


class _BoundedCost(Extension):
    def extendMarkdown(self, markdown: md.Markdown) -> None:
        markdown.preprocessors.deregister("html_block")
        markdown.inlinePatterns.deregister("html")
        markdown.preprocessors.register(_LimitContainerNesting(markdown), "limit_container_nesting", 15)
        patterns = markdown.inlinePatterns
        patterns.register(_BoundedCodeSpan(inlinepatterns.BACKTICK_RE), "backtick", 190)
        patterns.register(_Link(inlinepatterns.LINK_RE, markdown), "link", 160)
        patterns.register(_Image(inlinepatterns.IMAGE_LINK_RE, markdown), "image_link", 150)
        patterns.register(_ImageReference(inlinepatterns.IMAGE_REFERENCE_RE, markdown), "image_reference", 140)
        patterns.register(_ShortReference(inlinepatterns.REFERENCE_RE, markdown), "short_reference", 130)
        patterns.register(_ShortImageReference(inlinepatterns.IMAGE_REFERENCE_RE, markdown), "short_image_ref", 125)
        patterns.register(_Reference(inlinepatterns.REFERENCE_RE, markdown), "reference", 170)


_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list", _BoundedCost()]
_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def _plain_text(text: str) -> str:
    paragraphs = (p.strip("\n") for p in re.split(r"\n[ \t]*\n", text))
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())


def render_markdown(text: str) -> Markup:
    """Render Markdown to HTML and sanitise it with the allowlist above (or, for a text with more
    formatting than MAX_FORMATTING_MARKS, show it as escaped plain text)."""
    text = text or ""
    if len(_FORMATTING_MARK.findall(text)) > MAX_FORMATTING_MARKS:
        return Markup(_plain_text(text))
    rendered = md.markdown(text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")
    return Markup(_cleaner.clean(rendered))


def sanitise_html(stored_html: str) -> Markup:
    """Sanitise HTML that an earlier render_markdown stored again with today's allowlist, for stored HTML
    whose Markdown source was not kept (app/core/rerender.py). On today's own output it changes nothing."""
    return Markup(_cleaner.clean(stored_html))
