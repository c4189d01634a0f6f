"""The one Markdown pipeline: every user text (and every brief) becomes HTML only through here.

Anyone can submit up to MAX_ANSWER_CHARS of text, so the pipeline's cost must grow linearly with it.
Python-Markdown as shipped does not: its link and image processors scan from every `[` to the end
of the paragraph (quadratic; "[" * 4000 took 5 s), and it nests a list or blockquote per marker at the
start of a line (`- - - ...` overflows the stack). We bound both at the cause: link text may nest
brackets MAX_NESTING deep, and a line opens at most MAX_NESTING lists and quotes; deeper markers stay
visible as text. bench/markdown_worst_case.py measures the worst cases."""

import re
from functools import partial

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from markdown import inlinepatterns
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markupsafe import Markup

MAX_NESTING = 16

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


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
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


class _Link(_BoundedLinkText, inlinepatterns.LinkInlineProcessor):
    pass


class _Image(_BoundedLinkText, inlinepatterns.ImageInlineProcessor):
    pass


class _Reference(_BoundedLinkText, inlinepatterns.ReferenceInlineProcessor):
    pass


class _ShortReference(_BoundedLinkText, inlinepatterns.ShortReferenceInlineProcessor):
    pass


class _ImageReference(_BoundedLinkText, inlinepatterns.ImageReferenceInlineProcessor):
    pass


class _ShortImageReference(_BoundedLinkText, inlinepatterns.ShortImageReferenceInlineProcessor):
    pass


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
        markdown.preprocessors.register(_LimitContainerNesting(markdown), "limit_container_nesting", 15)
        patterns = markdown.inlinePatterns
        patterns.register(_Link(inlinepatterns.LINK_RE, markdown), "link", 160)
        patterns.register(_Image(inlinepatterns.IMAGE_LINK_RE, markdown), "image_link", 150)
        patterns.register(_ImageReference(inlinepatterns.IMAGE_REFERENCE_RE, markdown), "image_reference", 140)
        patterns.register(_ShortReference(inlinepatterns.REFERENCE_RE, markdown), "short_reference", 130)
        patterns.register(_ShortImageReference(inlinepatterns.IMAGE_REFERENCE_RE, markdown), "short_image_ref", 125)
        patterns.register(_Reference(inlinepatterns.REFERENCE_RE, markdown), "reference", 170)


_EXTENSIONS = ["tables", "fenced_code", "sane_lists", "def_list", _BoundedCost()]
_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def render_markdown(text: str) -> Markup:
    """Render Markdown to HTML and sanitise it with the allowlist above."""
    html = md.markdown(text or "", extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS,
                       output_format="html")
    return Markup(_cleaner.clean(html))
