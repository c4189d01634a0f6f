"""Passages of sanitised HTML: find a quoted passage in the text of render_markdown's output, and mark
passages with <mark> plus a note after the block they are in.

Everything here works on HTML that render_markdown (or sanitise_html) made: the text is matched, never
the markup, and what is put back is the same tags with their text escaped again, <mark> and links around
parts of the text, and notes that are themselves render_markdown's output. A quote is text: whatever
it contains is compared and escaped, never inserted as HTML.

Positions are offsets in the document's *text*: the text of every node in order, with every run of
white space (and every boundary of a block, where the browser's selection puts a line break) as one
space, and no space at the start. A browser's selection and a quote typed into a form come out the
same way once their white space is collapsed too."""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup

_SPACE = re.compile(r"\s+")
_VOID = frozenset({"br", "hr", "img", "wbr"})
_BLOCKS = frozenset({"p", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                     "thead", "tbody", "tr", "td", "th", "dl", "dt", "dd", "hr", "br"})


def normalise(text: str) -> str:
    """A quote as it is matched: white space collapsed to single spaces, none at either end."""
    return _SPACE.sub(" ", text or "").strip()


@dataclass
class _Token:
    kind: str  # "start", "end" or "text"
    raw: str  # the tag as written back, or the (unescaped) text
    tag: str = ""
    depth: int = 0  # for tags: the nesting depth outside them (0: a top-level block)


class _Tokens(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = "".join(f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs)
        self.tokens.append(_Token("start", f"<{tag}{attributes}>", tag, self.depth))
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        self.depth = max(0, self.depth - 1)
        self.tokens.append(_Token("end", f"</{tag}>", tag, self.depth))

    def handle_data(self, data):
        self.tokens.append(_Token("text", data))


@dataclass
class _Text:
    """The document's text and, for each character of every text token, the index of the text character it
    became (-1 where it was dropped: white space collapsed into the space before it, or at the start)."""
    tokens: list[_Token]
    text: str
    positions: dict[int, list[int]]  # token index -> text index per character
    blocks: list[tuple[int, int]]  # (start, end) in the text of each top-level block, in order
    block_of_token: dict[int, int]  # token index -> its top-level block


def _text_of(stored_html: str) -> _Text:
    parser = _Tokens()
    parser.feed(str(stored_html))
    parser.close()
    chars: list[str] = []
    positions: dict[int, list[int]] = {}
    blocks: list[tuple[int, int]] = []
    block_of_token: dict[int, int] = {}
    open_block_start = None

    def space() -> int:
        """A collapsed space; the index it has (or -1 when none is written: at the start or after one)."""
        if chars and chars[-1] != " ":
            chars.append(" ")
            return len(chars) - 1
        return len(chars) - 1 if chars else -1

    for index, token in enumerate(parser.tokens):
        if token.kind == "start" and token.depth == 0:
            open_block_start = len(chars)
        if token.kind != "text" and token.tag in _BLOCKS:
            space()
        if token.kind == "text":
            mapped = []
            for char in token.raw:
                if char.isspace():
                    mapped.append(space() if chars else -1)
                else:
                    chars.append(char)
                    mapped.append(len(chars) - 1)
            positions[index] = mapped
        if open_block_start is not None:
            block_of_token[index] = len(blocks)
        if token.depth == 0 and (token.kind == "end" or (token.kind == "start" and token.tag in _VOID)):
            if open_block_start is not None:
                blocks.append((open_block_start, len(chars)))
            open_block_start = None
    return _Text(parser.tokens, "".join(chars), positions, blocks, block_of_token)


def passage_text(stored_html: str) -> str:
    """The text that quotes are matched in (and offsets count in)."""
    return _text_of(stored_html).text


def find_passage(stored_html: str, quote: str, block: int | None = None) -> int | None:
    """Where `quote` starts in the text of `stored_html`: its first occurrence that starts in top-level
    block number `block` (counting from 0) when one does, else its first occurrence anywhere; None when the
    text does not contain it (or the quote is empty)."""
    wanted = normalise(quote)
    if not wanted:
        return None
    document = _text_of(stored_html)
    text = document.text
    if block is not None and 0 <= block < len(document.blocks):
        start, end = document.blocks[block]
        found = text.find(wanted, start)
        if found != -1 and found < end:
            return found
    found = text.find(wanted)
    return None if found == -1 else found


@dataclass(frozen=True)
class Passage:
    """A passage to mark: where it starts in the text, its quote, its number, and the note (sanitised HTML)
    shown after the block it starts in."""
    offset: int
    quote: str
    number: int
    note: Markup
    label: str  # the note's accessible name, such as "Comment 2"


def mark_passages(stored_html: str, passages: list[Passage]) -> Markup:
    """`stored_html` with each passage's text wrapped in <mark> (a part per text node it covers), a link to
    its note after it, and its note after the top-level block it starts in (the two wrapped in a
    div.passage-block). A passage that overlaps one
    before it is marked from where that one ends; a passage whose quote is no longer at its offset keeps
    its note (after the last block) without a mark."""
    document = _text_of(stored_html)
    ranges: list[tuple[int, int, Passage]] = []
    misplaced: list[Passage] = []
    taken_until = 0
    for passage in sorted(passages, key=lambda p: (p.offset, p.number)):
        wanted = normalise(passage.quote)
        if not wanted or document.text[passage.offset:passage.offset + len(wanted)] != wanted:
            misplaced.append(passage)
            continue
        ranges.append((max(passage.offset, taken_until), passage.offset + len(wanted), passage))
        taken_until = max(taken_until, passage.offset + len(wanted))
    notes_after_block: dict[int, list[Passage]] = {}
    for start, end, passage in ranges:
        block = next((i for i, (b_start, b_end) in enumerate(document.blocks) if b_start <= passage.offset < b_end),
                     None)
        if block is None:
            misplaced.append(passage)
        else:
            notes_after_block.setdefault(block, []).append(passage)

    def covering(position: int) -> tuple[int, int, Passage] | None:
        return next((r for r in ranges if r[0] <= position < r[1]), None)

    out: list[str] = []
    first_part_done: set[int] = set()
    for index, token in enumerate(document.tokens):
        block = document.block_of_token.get(index)
        has_notes = token.depth == 0 and block in notes_after_block
        if has_notes and token.kind == "start":
            # A block with notes and its notes side by side (in the margin) where there is room, else one
            # after the other (enshu.css).
            out.append('<div class="passage-block">')
        if token.kind != "text":
            out.append(token.raw)
        else:
            out.append(_marked_text(token.raw, document.positions[index], covering, first_part_done))
        if has_notes and (token.kind == "end" or token.tag in _VOID):
            out.append('<div class="passage-notes">')
            out.extend(_note(passage) for passage in notes_after_block[block])
            out.append("</div></div>")
    out.extend(_note(passage) for passage in sorted(misplaced, key=lambda p: p.number))
    return Markup("".join(out))


def _marked_text(text: str, positions: list[int], covering, first_part_done: set[int]) -> str:
    out: list[str] = []
    run: list[str] = []
    current = None  # the range the run belongs to

    def flush():
        if not run:
            return
        escaped = html.escape("".join(run), quote=False)
        if current is None:
            out.append(escaped)
            return
        start, end, passage = current
        number = passage.number
        anchor = "" if number in first_part_done else f' id="passage-{number}"'
        first_part_done.add(number)
        out.append(f'<mark class="passage"{anchor}>{escaped}</mark>')
        if run_end[0] is not None and run_end[0] >= end - 1:
            out.append(f'<a class="passage-ref" href="#comment-{number}">{number}</a>')

    run_end = [None]
    for char, position in zip(text, positions):
        owner = covering(position) if position >= 0 else current
        if owner is not current:
            flush()
            run.clear()
            current = owner
            run_end[0] = None
        run.append(char)
        if position >= 0:
            run_end[0] = position
    flush()
    return "".join(out)


def _note(passage: Passage) -> str:
    label = html.escape(passage.label, quote=True)
    return (f'<aside class="passage-note" id="comment-{passage.number}" aria-label="{label}">'
            f'<a class="passage-note__number" href="#passage-{passage.number}">{passage.number}</a>'
            f'<div class="passage-note__body">{passage.note}</div></aside>')
