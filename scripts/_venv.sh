# Sourced by scripts/serve and scripts/test: a virtualenv with the locked dependencies.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Ruamkhid needs Python 3.11 or newer")'
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  # Only the dependencies: the project runs from this directory (manage.py, pytest's rootdir,
  # gunicorn's cwd), so it is not installed itself. An editable install also needs `wheel`,
  # which a fresh Python 3.11 venv lacks.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  rm -f .venv/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
