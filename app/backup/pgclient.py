"""pg_dump and pg_restore from the machine's PostgreSQL client, run without a shell."""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL

# Debian and Ubuntu install each client version here; only the pg_wrapper scripts are on PATH.
VERSIONED_ROOT = Path("/usr/lib/postgresql")


class PgClientError(Exception):
    """A PostgreSQL client program is missing or failed; the message says which and why."""


def find_tool(name: str, search_path: str | None = None, versioned_root: Path = VERSIONED_ROOT) -> Path:
    """The program `name` from PATH (or `search_path`), else from the newest <root>/<version>/bin.
    Raises PgClientError when neither has it."""
    found = shutil.which(name, path=search_path)
    if found:
        return Path(found)
    versions = [p for p in versioned_root.glob(f"*/bin/{name}") if _version(p) and os.access(p, os.X_OK)]
    if versions:
        return max(versions, key=_version)
    raise PgClientError(f"{name} was found neither on PATH nor in {versioned_root}/*/bin: install the "
                        f"PostgreSQL client programs (Debian: apt-get install postgresql-client)")


def _version(program: Path) -> tuple[int, ...]:
    number = program.parent.parent.name
    return tuple(int(part) for part in number.split(".")) if number.replace(".", "").isdigit() else ()


def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq connection string with every value quoted, and the environment
    for the client program: the password travels in PGPASSWORD, never on the command line."""
    params: dict[str, str | int | None] = {"host": url.host, "port": url.port, "user": url.username,
                                           "dbname": url.database}
    for key, value in url.query.items():
        if not isinstance(value, str):
            raise PgClientError(f"the database URL gives {key} more than once")
        params[key] = value
    try:
        conninfo = make_conninfo(**params)
    except psycopg.ProgrammingError as e:
        raise PgClientError(f"the database URL is not a valid PostgreSQL connection: {e}") from None
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def dump(url: URL, target: Path) -> None:
    """Write the whole database at `url` to `target` in pg_dump's custom format."""
    _run("pg_dump", url, ["--format=custom", f"--file={target}"])


def restore(url: URL, dump_file: Path) -> None:
    """Replace the objects of `dump_file` in the database at `url`, in one transaction."""
    _run("pg_restore", url, ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                             "--exit-on-error", str(dump_file)])


def _run(program: str, url: URL, arguments: list[str]) -> None:
    conninfo, env = libpq_connection(url)
    command = [str(find_tool(program)), "--no-password", f"--dbname={conninfo}", *arguments]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PgClientError(f"{program} failed (exit status {result.returncode}): {result.stderr.strip()}")
