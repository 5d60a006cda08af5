#!/bin/sh
# Print the path of a Python 3.10 interpreter (Rasa 3.6 needs 3.10), or explain how to get one.
pyenv_310=$(pyenv versions --bare 2>/dev/null | grep '^3\.10' | tail -n 1)
for cand in "${PYTHON:-}" python3.10 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -n "$cand" ] || continue
  found=$(PYENV_VERSION="${pyenv_310:-${PYENV_VERSION:-}}" "$cand" -c \
    'import sys; print(sys.executable if sys.version_info[:2] == (3, 10) else "")' 2>/dev/null)
  if [ -n "$found" ]; then
    echo "$found"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: Python 3.10 was not found.
Rasa Open Source 3.6 runs on Python 3.10 only (it refuses 3.11 and newer).
Install it, for example with `pyenv install 3.10.13`, or point to one: make PYTHON=/path/to/python3.10 run
MSG
exit 1
