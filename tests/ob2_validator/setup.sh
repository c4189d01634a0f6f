#!/usr/bin/env bash
# Make tests/ob2_validator/.venv38: Python 3.8 (pyenv's) with 1EdTech's Open Badges 2.0 validator,
# `openbadges` 1.1.2 from PyPI. Its pins (python-jose 3.0.1, pytz 2017.2, ...) need Python <= 3.9.
# Quiet and quick when the virtualenv matches requirements.txt already (stamp .venv38/.enshu-installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
VENV=.venv38
OPENBADGES=openbadges==1.1.2
want=$( (sha256sum requirements.txt; echo "$OPENBADGES") | sha256sum | cut -d' ' -f1)
[ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.enshu-installed" 2>/dev/null)" = "$want" ] && exit 0

python38() {
  local candidate
  for candidate in ${PYTHON38:-} "$(pyenv prefix 3.8 2>/dev/null)/bin/python3.8" \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.8*/bin/python3.8 "$(command -v python3.8 || true)"; do
    if [ -x "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 8)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

PY=$(python38) || {
  echo "FAILED: the OB 2.0 validator needs Python 3.8; none was found (looked at \$PYTHON38, 'pyenv prefix 3.8'," \
       "~/.pyenv/versions/3.8*, python3.8 on PATH). Install it, e.g. 'pyenv install 3.8'." >&2
  exit 1
}
echo "Installing the Open Badges 2.0 validator ($OPENBADGES) into tests/ob2_validator/$VENV with $PY ..."
rm -rf "$VENV"
"$PY" -m venv "$VENV"
# ensurepip inside `venv` has been seen to leave no pip behind once; install it then instead of failing.
"$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip --upgrade >/dev/null
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$OPENBADGES"
"$VENV/bin/python" -c 'import openbadges, Crypto, jose.jws'
echo "$want" > "$VENV/.enshu-installed"
