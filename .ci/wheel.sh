# Sourced by .ci/run: build the wheel, install it (not editable) into a fresh virtualenv, and run the CLI
# from a folder outside the checkout, so that anything read from the checkout instead of the package fails.
WHEEL_DIR=$(mktemp -d /tmp/events-wheel.XXXXXX)
python -m pip wheel -q --no-deps -w "$WHEEL_DIR/dist" .
python -m venv "$WHEEL_DIR/venv"
"$WHEEL_DIR/venv/bin/python" -m pip install -q "$WHEEL_DIR"/dist/border_events-*.whl
cp data/samples/seed.txt "$WHEEL_DIR/seed.txt"
(
  cd "$WHEEL_DIR"
  export EVENTS_CACHE_DIR="$WHEEL_DIR/cache" EVENTS_DB="$WHEEL_DIR/events.sqlite"
  venv/bin/events --help >/dev/null
  venv/bin/python -m events --help >/dev/null
  venv/bin/events extract seed.txt --published 2026-11-26 --format jsonl >seed.jsonl
  venv/bin/python - <<'PY'
import json
rows = [json.loads(line) for line in open("seed.jsonl", encoding="utf-8")]
assert rows and all(r["lat"] is not None for r in rows), rows
import events
assert "site-packages" in events.__file__, events.__file__
print(f"wheel check: {len(rows)} events from the seed article, package at {events.__file__}")
PY
)
rm -rf "$WHEEL_DIR"
