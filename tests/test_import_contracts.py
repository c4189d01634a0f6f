"""The layers of app/ (README, "Layout") are import contracts in pyproject.toml; import-linter checks
them against the imports of the code as it is, offline and without writing a cache."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# In a child process: import-linter's runner adds the working directory to sys.path and sets up logging.
_LINT = ("import sys\nfrom importlinter.cli import lint_imports\n"
         "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def _lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _LINT, str(config)], cwd=ROOT, capture_output=True, text=True,
                          check=False)


def test_the_code_keeps_every_import_contract():
    result = _lint(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_against_the_layers_fails_with_the_offending_import(tmp_path):
    # Our layer contract turned upside down: every real downward import becomes an upward one, so this
    # shows that the check reads the real imports and fails, naming them, when one goes the wrong way.
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in settings["contracts"] if c["type"] == "layers")["layers"]
    config = tmp_path / "upside_down.toml"
    # A JSON list of strings is a TOML array.
    config.write_text('[tool.importlinter]\nroot_package = "app"\n\n[[tool.importlinter.contracts]]\n'
                      'name = "upside down"\ntype = "layers"\ncontainers = ["app"]\n'
                      f"layers = {json.dumps(layers[::-1])}\n", encoding="utf-8")

    result = _lint(config)

    assert result.returncode != 0
    assert "upside down BROKEN" in result.stdout
    assert "app.learn.views -> app.core" in result.stdout
