"""Reading a JSONL input of texts (`events geoparse`, `resolve`, `link`): one object with a "text" a line."""

import json
from collections.abc import Iterable, Iterator

from events.errors import InputError


def rows(lines: Iterable[str]) -> Iterator[tuple[int, dict]]:
    """(line number, object) of each non-blank line; a line that is not such an object raises InputError
    naming its number and the reason."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"line {number}: not JSON: {exc.msg}") from exc
        except RecursionError as exc:
            raise InputError(f"line {number}: not JSON: nested too deeply") from exc
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise InputError(f'line {number}: needs a "text" string')
        yield number, row
