"""JSON-lines logs (one object per line), e.g. the Cowrie honeypot's `cowrie.json`.

Fields: the object's top-level scalars under their own key, and the scalars of nested objects one
level down as `outer.inner`; lists and anything deeper are skipped. Strings are cut at 4096 characters,
integers kept (booleans as `"true"`/`"false"`, other numbers as their JSON text), `null` as None.
The time is read from `time_field` when given (a top-level or `outer.inner` key), else from the first
present of `TIME_FIELDS`: an ISO 8601 string, or epoch seconds / milliseconds as a number. A line that
is not a JSON object (or whose object runs past the parsed 64 KiB head) is not in this format.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tools.logformats.model import FieldValue, ParsedLine, decode

FIELDS: tuple[str, ...] = ()  # the keys are the log's own
TIME_FIELDS: tuple[str, ...] = ("timestamp", "@timestamp", "time", "ts", "eventTime", "datetime", "date")
MAX_STRING = 4096
# Epoch numbers above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
_MILLIS_FROM = 100_000_000_000


def _scalar(value: object) -> tuple[bool, FieldValue]:
    if value is None:
        return True, None
    if isinstance(value, bool):
        return True, "true" if value else "false"
    if isinstance(value, int):
        return True, value
    if isinstance(value, float):
        return True, json.dumps(value)
    if isinstance(value, str):
        return True, value[:MAX_STRING]
    return False, None


def _flatten(record: dict[str, object]) -> dict[str, FieldValue]:
    fields: dict[str, FieldValue] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                ok, scalar = _scalar(inner)
                if ok:
                    fields[f"{key}.{inner_key}"] = scalar
            continue
        ok, scalar = _scalar(value)
        if ok:
            fields[key] = scalar
    return fields


def read_time(value: FieldValue | float) -> datetime | None:
    """A JSON time value: an ISO 8601 string (naive = UTC) or epoch seconds/milliseconds; else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= _MILLIS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    if len(text) > 64:
        return None
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_jsonl_line(line: bytes, time_field: str | None = None) -> ParsedLine | None:
    """The fields of one JSON-lines record, or None when the line is not a JSON object."""
    text = decode(line).strip()
    if not text.startswith("{"):
        return None
    try:
        record = json.loads(text)
    except (ValueError, RecursionError):  # invalid JSON, a number past int's digit limit, deep nesting
        return None
    if not isinstance(record, dict):
        return None
    fields = _flatten(record)
    if time_field is not None:
        stamp = _time_of(record, fields, time_field)
    else:
        present = next((name for name in TIME_FIELDS if name in record), None)
        stamp = None if present is None else _time_of(record, fields, present)
    return ParsedLine("jsonl", fields, stamp, False)


def _time_of(record: dict[str, object], fields: dict[str, FieldValue], name: str) -> datetime | None:
    value = record.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return read_time(value)  # the number itself: a float's field is its text
    return read_time(fields.get(name))
