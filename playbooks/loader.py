"""Load a playbook file: safe YAML, schema validation, every problem located as `file:line:col`."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from playbooks.errors import PlaybookLoadError
from playbooks.issues import Issue, did_you_mean, error_issue, sort_issues
from playbooks.model import Playbook
from playbooks.parts import PlaybookParts
from playbooks.yamlsource import MAX_BYTES, Loc, SourceMap, parse_yaml


def _unwrap(tp: object) -> list[object]:
    """The concrete types behind Annotated / Optional / Union."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [t for arg in typing.get_args(tp) for t in _unwrap(arg)]
    return [tp]


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The schema model a (pydantic) error location points into, for listing its allowed keys."""
    candidates: list[object] = [Playbook]
    for part in loc:
        nxt: list[object] = []
        for tp in (t for c in candidates for t in _unwrap(c)):
            origin = typing.get_origin(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
                fields = {f.alias or n: f for n, f in tp.model_fields.items()}
                if part in fields:
                    nxt.append(fields[part].annotation)
                elif part == tp.__name__ or part in {k for k in fields}:
                    nxt.append(tp)
            elif origin is list and isinstance(part, int):
                nxt.append(typing.get_args(tp)[0])
            elif origin is dict and isinstance(part, str):
                nxt.append(typing.get_args(tp)[1])
            elif isinstance(part, str):  # a union tag: keep the member it names
                nxt.extend(
                    t for t in _unwrap(tp) if getattr(t, "__name__", None) == part or _has_key(t, part)
                )
        candidates = nxt or candidates
    models = [t for c in candidates for t in _unwrap(c) if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if len(models) == 1 else None


def _has_key(tp: object, key: str) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel) and key in tp.model_fields


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "playbook"


def _child(data: object, part: str | int) -> tuple[bool, object]:
    if isinstance(data, dict):
        return (True, data[part]) if part in data else (False, None)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return True, data[part]
    return False, None


def _data_loc(loc: Loc, data: object) -> Loc:
    """The longest path through the actual data that loc describes (pydantic adds union tags to it)."""
    if not loc:
        return ()
    part, rest = loc[0], loc[1:]
    best = _data_loc(rest, data)  # treat `part` as a union tag
    found, child = _child(data, part)
    if found:
        deeper = (part, *_data_loc(rest, child))
        if len(deeper) > len(best):
            return deeper
    return best


def _message(err: ErrorDetails, loc: Loc, full_loc: Loc) -> str:
    where = _dotted(loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(full_loc[:-1])
        allowed = [f.alias or n for n, f in model.model_fields.items()] if model else []
        listed = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return f"unknown key {key!r} in {_dotted(loc[:-1])}{did_you_mean(key, allowed)}{listed}"
    if kind == "missing":
        return f"missing required key {str(full_loc[-1])!r} in {_dotted(loc)}"
    msg = err["msg"].removeprefix("Value error, ")
    if kind in ("string_type", "literal_error", "enum") and isinstance(err.get("input"), bool):
        msg += " (YAML reads yes/no/on/off/true/false as booleans: quote the value)"
    if kind in ("string_type", "string_pattern_mismatch") and isinstance(err.get("input"), float | int):
        msg += " (YAML read a number here: quote the value)"
    return f"{where}: {msg}"


def validation_issues(exc: ValidationError, data: object, smap: SourceMap) -> list[Issue]:
    """Turn pydantic errors into issues located at the YAML node each one is about."""
    issues: list[Issue] = []
    for err in exc.errors():
        full_loc: Loc = tuple(err["loc"])
        loc = _data_loc(full_loc, data)
        pos = smap.key_pos(loc) if err["type"] == "extra_forbidden" else smap.value_pos(loc)
        message = _message(err, loc, full_loc)
        issues.append(error_issue(smap.file, "PB010", message, line=pos.line, col=pos.col))
    return issues


@dataclass(frozen=True)
class ParsedPlaybook:
    """One parsed file: the playbook if all of it is valid, the parts that validated, and every issue."""

    playbook: Playbook | None
    """The validated playbook (None when any issue was found)."""
    parts: PlaybookParts | None
    """What validated, for the checks that can still run (None when the YAML itself was refused)."""
    smap: SourceMap
    """Where every key and value sits in the file."""
    issues: list[Issue]
    """YAML and schema problems, in file order."""


def parse_source(data: bytes, file: str) -> ParsedPlaybook:
    """Parse and validate playbook bytes, keeping the inputs and steps that validate on their own."""
    value, smap, issues = parse_yaml(data, file)
    if not isinstance(value, dict):
        if not issues:
            issues = [error_issue(file, "PB010", "a playbook is a mapping (id: ..., title: ..., steps: ...)")]
        return ParsedPlaybook(None, None, smap, issues)
    try:
        playbook = Playbook.model_validate(value)
    except ValidationError as exc:
        # YAML problems (a refused tag, a duplicate key) already explain their line: no second message there.
        taken = {i.line for i in issues}
        more = [i for i in validation_issues(exc, value, smap) if i.line not in taken]
        # Data the YAML layer refused in part is not trusted for further checks.
        parts = None if issues else PlaybookParts.salvage(value)
        return ParsedPlaybook(None, parts, smap, sort_issues([*issues, *more]))
    if issues:
        return ParsedPlaybook(None, None, smap, sort_issues(issues))
    playbook._source = smap
    return ParsedPlaybook(playbook, PlaybookParts.of(playbook), smap, [])


def parse_playbook(data: bytes, file: str) -> tuple[Playbook | None, list[Issue]]:
    """Parse and validate playbook bytes; every problem is returned as an issue, nothing is raised."""
    parsed = parse_source(data, file)
    return parsed.playbook, parsed.issues


def read_source(path: Path) -> ParsedPlaybook:
    """Read a playbook file (size-capped) and parse it; unreadable files become an issue too."""
    file = str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        issue = error_issue(file, "PB004", f"cannot read: {exc.strerror or exc}")
        return ParsedPlaybook(None, None, SourceMap(file), [issue])
    return parse_source(data, file)


def read_playbook(path: Path) -> tuple[Playbook | None, list[Issue]]:
    """Read a playbook file (size-capped) and parse it; unreadable files become an issue too."""
    parsed = read_source(path)
    return parsed.playbook, parsed.issues


def load_playbook_file(path: Path) -> Playbook:
    """A schema-valid playbook, or PlaybookLoadError listing every located problem."""
    playbook, issues = read_playbook(path)
    if playbook is None:
        raise PlaybookLoadError(issues)
    return playbook
