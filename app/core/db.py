"""Declarative base, naming convention and column types shared by every feature's models."""

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def dialect_insert(session: Session):
    """The engine's own INSERT construct, for `on_conflict_do_nothing` / `on_conflict_do_update` (an
    insert-or-update in one statement, safe when two requests write the same row at once)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def column_length(column: InstrumentedAttribute) -> int:
    """The declared length of a String column, e.g. 100 for String(100)."""
    return column.property.columns[0].type.length


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns timezone-aware datetimes (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def enum_type(enum: type[StrEnum], length: int, name: str) -> Enum:
    """The column type of a state or kind: VARCHAR(length) holding the enum's values, read back as its
    members, with a CHECK constraint named ck_<table>_<name> by the naming convention (give the column's
    name). Values outside the enum reach the database, which refuses them (IntegrityError)."""
    return Enum(enum, name=name, length=length, native_enum=False, create_constraint=True,
                values_callable=lambda members: [member.value for member in members])


def is_search_index(name: str, type_: str) -> bool:
    """Search indexes that only one engine has are made by DDL events beside their table, not by models,
    and named so that comparisons of the schema with the models leave them out: SQLite FTS5 tables
    (<table>_fts and their shadow tables <table>_fts_*) and PostgreSQL trigram indexes (ix_*_trgm)."""
    if type_ == "table":
        return name.endswith("_fts") or "_fts_" in name
    return type_ == "index" and name.startswith("ix_") and name.endswith("_trgm")


def include_in_schema_comparison(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name hook for autogenerate and for the migration tests' comparison."""
    return name is None or not is_search_index(name, type_)
