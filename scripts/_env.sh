# Shared by scripts/run and scripts/test: a project-local virtual environment, installed once per
# change of pyproject.toml (a second run only checks the stamp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PROJECT_ROOT=$(pwd)
VENV="$PROJECT_ROOT/.venv"
PYTHON_BIN=${PYTHON:-python3}

ensure_venv() {
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON_BIN" -m venv "$VENV"
  fi
  local stamp="$VENV/.enshu-installed$extras"
  local want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing dependencies into .venv ..."
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".$extras"
    echo "$want" > "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
  export FLASK_APP=wsgi.py
  pybabel compile --statistics -d app/translations 2>&1 | grep -v "^compiling" || true
}
