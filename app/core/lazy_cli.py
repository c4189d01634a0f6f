"""`flask` command groups that are imported when the command line uses them, not when the app is created:
every web worker creates the app but never runs a command, and the groups' modules bring libraries only
they need (Flask-Migrate with Alembic and Mako; the backup's psycopg and Alembic; the seed and demo data),
about 18 MB of each worker's memory on SQLite (issue 10)."""

import importlib
from collections.abc import Callable
from functools import cached_property

import click


class LazyGroup(click.Group):
    """Stands in for the group that `load()` returns, and loads it when the group is run or listed."""

    def __init__(self, name: str, load: Callable[[], click.Group]):
        super().__init__(name)
        self._load = load

    @classmethod
    def imported(cls, name: str, path: str) -> "LazyGroup":
        """The group at `path`, written "package.module:attribute"."""
        module, _, attribute = path.partition(":")
        return cls(name, lambda: getattr(importlib.import_module(module), attribute))

    @cached_property
    def group(self) -> click.Group:
        return self._load()

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # The real group's context: click parses the real group's options and invokes its commands.
        return self.group.make_context(info_name, args, parent=parent, **extra)

    def get_short_help_str(self, limit: int = 45) -> str:
        return self.group.get_short_help_str(limit)
