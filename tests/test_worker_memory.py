"""A web worker's memory (issue 10): creating the app imports no library that only the command line or a
rare page needs; the command groups that bring them still work, loaded when they are used."""

import json
import subprocess
import sys
from pathlib import Path

from app.extensions import MIGRATIONS_DIR

ROOT = Path(__file__).resolve().parents[1]

# Flask-Migrate (with Alembic and Mako), psycopg (the backup; on SQLite nothing else needs it), redis and rq
# (rate limits and jobs only when configured to use Redis), icalendar (calendar feeds) and Pillow (a baked
# PNG not made before).
NOT_IN_A_WEB_WORKER = ["flask_migrate", "alembic", "mako", "psycopg", "redis", "rq", "icalendar", "PIL"]

# In a child process: this one has imported everything the other tests use.
_CREATE_APP = """
import json, sys
from app import create_app
create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
print(json.dumps(sorted(name for name in sys.argv[2:] if name in sys.modules)))
"""


def test_creating_the_app_imports_none_of_the_libraries_a_web_worker_does_not_need(tmp_path):
    url = f"sqlite:///{tmp_path / 'enshu.sqlite3'}"
    result = subprocess.run([sys.executable, "-c", _CREATE_APP, url, *NOT_IN_A_WEB_WORKER], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_every_command_group_is_listed_and_loads_when_used(app, runner):
    listed = runner.invoke(args=["--help"]).output
    for group in list(app.cli.commands):
        assert f"  {group} " in listed
        result = runner.invoke(args=[group, "--help"])
        assert result.exit_code == 0 and "Commands:" in result.output, group
    # Alembic prints to the sys.stdout of its import, which the runner does not capture: the exit code tells.
    assert runner.invoke(args=["db", "heads"]).exit_code == 0
    assert app.extensions["migrate"].directory == str(MIGRATIONS_DIR)
