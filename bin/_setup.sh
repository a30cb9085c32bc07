# Shared by bin/run and bin/test: a virtualenv with the requirements, and
# compiled translations.
setup_python() {
  local reqs="$1"
  if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
  fi
  PY=.venv/bin/python
  local stamp=".venv/.installed-$(sha1sum "$reqs" requirements.txt | sha1sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$reqs"
    touch "$stamp"
  fi
  if ! command -v msgfmt >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get install -y -qq gettext >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }
    else
      echo "msgfmt (gettext) is missing: install gettext for the Chinese translation" >&2
    fi
  fi
  if command -v msgfmt >/dev/null 2>&1 && [ -d locale ]; then
    DEBUG=1 "$PY" manage.py compilemessages --verbosity 0 --ignore=.venv
  fi
}
