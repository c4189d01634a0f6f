"""Render stored HTML again with today's Markdown pipeline (`flask content rerender`).

HTML is rendered when a text is written and shown with `|safe`, so a row keeps the allowlist of the day it
was written. Every `X_html` column holds render_markdown of its sibling `X_md` column (tests/test_rerender.py
holds the schema to that), so a run finds them all in the metadata and renders each source again; where a
row has no source (module summaries synced before migration 0007), it re-sanitises the stored HTML.

A run compares every stored HTML with a fresh render instead of trusting a recorded renderer version: a
version number must be bumped by hand and misses a Markdown or bleach upgrade, a comparison misses nothing,
and rendering is linear (about 90 answers of 500 characters a second on a busy 2-core machine). Rows are
read in batches by primary key, so memory stays flat (peak 6.9 MB for 2,000 rows, 8.5 MB for 10,000); the
caller commits after each batch: no row depends on another and each render is a pure function of its
source, so an interrupted run leaves only valid rows and the next run finishes it, while SQLite's single
write lock is held for one batch, not for the whole run."""

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Column, MetaData, Table, bindparam, select
from sqlalchemy.orm import Session

from app.core.markdown import render_markdown, sanitise_html

HTML_SUFFIX, SOURCE_SUFFIX = "_html", "_md"


@dataclass(frozen=True)
class RenderedColumn:
    html: Column
    source: Column | None  # None: the table keeps no Markdown for it


@dataclass(frozen=True)
class Change:
    row_id: int
    columns: tuple[str, ...]  # the HTML columns whose content changes
    is_without_source: bool  # re-sanitised, having no Markdown source


@dataclass(frozen=True)
class Batch:
    table: str
    rows: int
    rows_without_source: int
    changes: tuple[Change, ...]


def rendered_columns(metadata: MetaData) -> dict[Table, list[RenderedColumn]]:
    """Every table with stored HTML, and its HTML columns each with its Markdown source column."""
    found = {}
    for table in metadata.sorted_tables:
        columns = [RenderedColumn(c, table.c.get(c.name.removesuffix(HTML_SUFFIX) + SOURCE_SUFFIX))
                   for c in table.c if c.name.endswith(HTML_SUFFIX)]
        if columns:
            found[table] = columns
    return found


def rerender_stored_html(session: Session, metadata: MetaData, *, write: bool,
                         batch_size: int = 500) -> Iterator[Batch]:
    """Render every stored HTML of `metadata`'s tables again; with `write`, store what differs. Yields after
    each batch of one table's rows, its updates flushed: the caller commits (or, without `write`, reads)."""
    for table, columns in rendered_columns(metadata).items():
        statement = select(table.c.id, *(c.html for c in columns),
                           *(c.source for c in columns if c.source is not None)).order_by(table.c.id)
        update = table.update().where(table.c.id == bindparam("row_id"))
        last_id = 0
        while rows := session.execute(statement.where(table.c.id > last_id).limit(batch_size)).all():
            last_id = rows[-1].id
            changes, updates, without_source = [], [], 0
            for row in rows:
                fresh, is_without_source = _render_row(row._mapping, columns)
                without_source += is_without_source
                changed = tuple(c.html.name for c in columns if fresh[c.html.name] != row._mapping[c.html])
                if changed:
                    changes.append(Change(row.id, changed, is_without_source))
                    updates.append({"row_id": row.id, **fresh})
            if write and updates:
                session.execute(update, updates)
            yield Batch(table.name, len(rows), without_source, tuple(changes))


def _render_row(row, columns: list[RenderedColumn]) -> tuple[dict[str, str | None], bool]:
    """Today's HTML of each column of `row` by name, and whether a column had to do without its source."""
    fresh, is_without_source = {}, False
    for column in columns:
        source = row[column.source] if column.source is not None else None
        stored = row[column.html]
        if source is not None:
            fresh[column.html.name] = str(render_markdown(source))
        elif stored is not None:
            fresh[column.html.name], is_without_source = str(sanitise_html(stored)), True
        else:
            fresh[column.html.name] = None
    return fresh, is_without_source
