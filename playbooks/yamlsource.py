"""Safe YAML for playbooks: plain data only, every node located, duplicate keys, tags and aliases refused."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from playbooks.issues import Issue, error_issue

MAX_BYTES = 1024 * 1024  # a playbook is a page of YAML; 1 MiB is generous and bounds parse time
MAX_DEPTH = 40  # deep nesting means garbage or an attack; it also keeps the composer off RecursionError

Loc = tuple[str | int, ...]
Data = str | int | float | bool | None | list["Data"] | dict[str, "Data"]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass(frozen=True)
class Pos:
    """A 1-based position in a file."""

    line: int
    col: int


@dataclass
class SourceMap:
    """Where every key and value of a parsed playbook sits in its file."""

    file: str
    values: dict[Loc, Pos] = field(default_factory=dict)
    keys: dict[Loc, Pos] = field(default_factory=dict)

    def value_pos(self, loc: Loc) -> Pos:
        """Position of the value at loc, or of its nearest located ancestor (1:1 at worst)."""
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.values:
                return self.values[loc[:n]]
        return Pos(1, 1)

    def key_pos(self, loc: Loc) -> Pos:
        """Position of the key naming loc (falls back to the value's position)."""
        return self.keys.get(loc) or self.value_pos(loc)


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses aliases (billion laughs) and caps nesting before composing a node."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                problem=f"alias *{event.anchor} is not allowed in a playbook: write the value out",
                problem_mark=event.start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def _pos(mark: yaml.Mark | None) -> Pos:
    return Pos(mark.line + 1, mark.column + 1) if mark is not None else Pos(1, 1)


class _Builder:
    """Turns composed nodes into plain data while recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.smap = SourceMap(file)
        self.issues: list[Issue] = []
        self._scalars = yaml.SafeLoader("")  # only its pure construct_yaml_* helpers are used

    def problem(self, pos: Pos, code: str, message: str) -> None:
        self.issues.append(error_issue(self.smap.file, code, message, line=pos.line, col=pos.col))

    def build(self, node: Node, loc: Loc) -> Data:
        pos = _pos(node.start_mark)
        self.smap.values[loc] = pos
        if isinstance(node, MappingNode):
            return self._mapping(node, loc, pos)
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                self.problem(
                    pos, "PB003", f"tag {_short(node.tag)} is not allowed: playbooks hold plain data"
                )
                return None
            return [self.build(child, (*loc, i)) for i, child in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._scalar(node, pos)
        self.problem(pos, "PB003", "unsupported YAML node")
        return None

    def _mapping(self, node: MappingNode, loc: Loc, pos: Pos) -> Data:
        if node.tag != _TAG + "map":
            self.problem(pos, "PB003", f"tag {_short(node.tag)} is not allowed: playbooks hold plain data")
            return None
        out: dict[str, Data] = {}
        for key_node, value_node in node.value:
            kpos = _pos(key_node.start_mark)
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.problem(kpos, "PB003", "a key must be a plain string")
                continue
            if key_node.tag == _TAG + "merge" or key_node.value == "<<":
                self.problem(kpos, "PB003", "merge keys (<<) are not allowed in a playbook")
                continue
            key = str(key_node.value)  # keys are names: `on:`/`yes:` stay strings, not YAML 1.1 booleans
            if key in out:
                first = self.smap.keys[(*loc, key)]
                self.problem(kpos, "PB002", f"duplicate key {key!r} (first defined at line {first.line})")
                continue
            self.smap.keys[(*loc, key)] = kpos
            out[key] = self.build(value_node, (*loc, key))
        return out

    def _scalar(self, node: ScalarNode, pos: Pos) -> Data:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            self.problem(pos, "PB003", f"tag {_short(tag)} is not allowed: playbooks hold plain data")
            return None
        try:
            if tag == _TAG + "int":
                return int(self._scalars.construct_yaml_int(node))
            if tag == _TAG + "float":
                return float(self._scalars.construct_yaml_float(node))
            if tag == _TAG + "bool":
                return bool(self._scalars.construct_yaml_bool(node))
            if tag == _TAG + "null":
                return None
        except ValueError as exc:  # e.g. an int with more digits than Python converts
            self.problem(pos, "PB001", f"bad number: {exc}")
            return None
        return str(node.value)  # str, and timestamps kept as written


def _decode(data: bytes, file: str) -> tuple[str | None, list[Issue]]:
    if len(data) > MAX_BYTES:
        message = f"file is {len(data)} bytes; a playbook is at most {MAX_BYTES} bytes"
        return None, [error_issue(file, "PB004", message)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        return None, [error_issue(file, "PB004", message, line=line, col=col)]
    return text, []


def _yaml_issue(file: str, text: str, exc: yaml.YAMLError) -> Issue:
    if isinstance(exc, yaml.MarkedYAMLError):
        pos = _pos(exc.problem_mark or exc.context_mark)
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        if "'\\t'" in message:
            message = "tab character: YAML indentation must use spaces"
        code = "PB003" if "alias" in message or "nesting" in message else "PB001"
        return error_issue(file, code, message, line=pos.line, col=pos.col)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        message = f"control character U+{int(exc.character):04X} is not allowed in YAML"
        return error_issue(file, "PB004", message, line=line, col=col)
    return error_issue(file, "PB001", f"invalid YAML: {exc}")


def parse_yaml(data: bytes, file: str) -> tuple[Data, SourceMap, list[Issue]]:
    """Parse playbook bytes into plain data and a source map; problems come back as issues, never raised."""
    text, issues = _decode(data, file)
    if text is None:
        return None, SourceMap(file), issues
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # the reader already refuses control characters here
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        return None, SourceMap(file), [_yaml_issue(file, text, exc)]
    except RecursionError:
        return None, SourceMap(file), [error_issue(file, "PB003", "nesting too deep")]
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        message = (
            "empty file: a playbook is a mapping with id, title, version, steps "
            "(start from `sleuth playbook new ID`)"
        )
        return None, SourceMap(file), [error_issue(file, "PB004", message)]
    builder = _Builder(file)
    value = builder.build(node, ())
    return value, builder.smap, builder.issues
