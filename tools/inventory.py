"""The inventory: which hosts exist, how to reach them, which keys are pinned, where their logs live."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tools.errors import InventoryError

ProfileName = Literal["debian", "rhel", "journald"]

_PROFILE_LOGS: dict[str, dict[str, tuple[str, ...]]] = {
    "debian": {
        "auth": ("/var/log/auth.log",),
        "syslog": ("/var/log/syslog",),
        "web_access": ("/var/log/nginx/access.log", "/var/log/apache2/access.log"),
        "web_error": ("/var/log/nginx/error.log", "/var/log/apache2/error.log"),
    },
    "rhel": {
        "auth": ("/var/log/secure",),
        "syslog": ("/var/log/messages",),
        "web_access": ("/var/log/nginx/access.log", "/var/log/httpd/access_log"),
        "web_error": ("/var/log/nginx/error.log", "/var/log/httpd/error_log"),
    },
    "journald": {"auth": (), "syslog": (), "web_access": (), "web_error": ()},
}


class HostProfile(BaseModel):
    """Where a host keeps its logs; named profiles fill the defaults, explicit paths override them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ProfileName = "debian"
    """The distribution family: debian (/var/log/auth.log), rhel (/var/log/secure) or journald."""
    log_paths: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Log kind (auth, syslog, web_access, ...) to absolute paths; overrides the profile's defaults."""

    def logs(self, kind: str) -> tuple[str, ...]:
        """Absolute paths of the logs of one kind (empty when the host keeps them in journald)."""
        if kind in self.log_paths:
            return self.log_paths[kind]
        return _PROFILE_LOGS[self.name].get(kind, ())

    @property
    def uses_journald(self) -> bool:
        """True when auth and system events must be read with journalctl."""
        return self.name == "journald"


LOG_KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


def log_overrides(pairs: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """`--log KIND=PATH` values (repeatable; several paths for one kind add up) as profile log paths.

    For logs collected off the host (an exported auth.log read on the jump host) or kept in unusual places.
    """
    out: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        kind, sep, path = pair.partition("=")
        if not sep or not LOG_KIND_PATTERN.fullmatch(kind) or not path:
            raise InventoryError(f"--log {pair!r} is not KIND=PATH (e.g. auth=/srv/collected/auth.log)")
        if not path.startswith("/") or "\n" in path or "\0" in path:
            raise InventoryError(f"--log {pair!r}: the path must be absolute")
        out[kind] = (*out.get(kind, ()), path)
    return out


class HostEntry(BaseModel):
    """One SSH-reachable host."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str
    """IP address or DNS name."""
    port: int = Field(default=22, ge=1, le=65535)
    """SSH port."""
    user: str
    """Login user."""
    key_file: Path | None = None
    """Private key file (relative paths are relative to the inventory file)."""
    use_agent: bool = False
    """Allow keys from a running ssh-agent."""
    look_for_keys: bool = False
    """Allow paramiko to try ~/.ssh/id_* keys."""
    known_hosts: Path | None = None
    """known_hosts file holding the pinned host key (relative to the inventory file)."""
    groups: tuple[str, ...] = ()
    """Inventory groups this host belongs to."""
    profile: HostProfile = Field(default_factory=HostProfile)
    """Log locations on this host."""
    connect_timeout_s: float = Field(default=10.0, gt=0, le=300)
    """TCP + SSH handshake timeout."""
    keepalive_s: int = Field(default=15, ge=0, le=3600)
    """SSH keepalive interval (0 disables)."""


class Inventory(BaseModel):
    """A set of hosts, with their groups."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hosts: dict[str, HostEntry]
    """Host name to how to reach it."""
    source: Path | None = Field(default=None, exclude=True)
    """The file this inventory was read from."""

    @model_validator(mode="after")
    def _names_are_not_groups(self) -> Inventory:
        clash = set(self.hosts) & {g for h in self.hosts.values() for g in h.groups}
        if clash:
            raise ValueError(f"names used both as host and group: {', '.join(sorted(clash))}")
        return self

    def groups(self) -> dict[str, tuple[str, ...]]:
        """Group name to its host names, in inventory order."""
        out: dict[str, list[str]] = {}
        for name, host in self.hosts.items():
            for group in host.groups:
                out.setdefault(group, []).append(name)
        return {g: tuple(names) for g, names in out.items()}

    def resolve(self, target: str) -> tuple[str, ...]:
        """Host names a target means: one host, or every host of a group."""
        if target in self.hosts:
            return (target,)
        groups = self.groups()
        if target in groups:
            return groups[target]
        known = ", ".join(sorted([*self.hosts, *groups])) or "none"
        raise InventoryError(f"unknown host or group {target!r} (inventory knows: {known})")

    def host(self, name: str) -> HostEntry:
        """The entry for one host name."""
        if name not in self.hosts:
            raise InventoryError(f"unknown host {name!r}")
        return self.hosts[name]


def load_inventory(path: Path) -> Inventory:
    """Read an inventory YAML file; relative key/known_hosts paths resolve against its folder.

    Every problem is one line `FILE:LINE: problem` (PyYAML's own report spans six lines and names a
    `<unicode string>`; pydantic's names a field path the reader then has to find).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{path}: cannot read inventory: {exc}") from exc
    node, data = _parse(path, text)
    if not isinstance(data, dict) or "hosts" not in data:
        raise InventoryError(f"{path}:1: an inventory is a mapping with a 'hosts' key")
    base = path.parent
    hosts = data.get("hosts") or {}
    if isinstance(hosts, dict):
        for entry in hosts.values():
            if isinstance(entry, dict):
                for key in ("key_file", "known_hosts"):
                    if isinstance(entry.get(key), str):
                        entry[key] = str((base / entry[key]).resolve())
    try:
        return Inventory.model_validate({**data, "source": path})
    except ValidationError as exc:
        problems = "; ".join(
            f"{path}:{_line_of(node, err['loc'])}: {'.'.join(str(p) for p in err['loc']) or 'inventory'}: "
            f"{err['msg']}"
            for err in exc.errors()
        )
        raise InventoryError(problems) from exc


def _parse(path: Path, text: str) -> tuple[yaml.Node | None, object]:
    """The document's node tree (for lines) and its value; a YAML error as `FILE:LINE: problem`."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = " ".join(str(exc.problem or exc.context or "not valid YAML").split())
        context = f" ({' '.join(exc.context.split())})" if exc.context and exc.problem else ""
        raise InventoryError(f"{path}{line}: not valid YAML: {problem}{context}") from exc
    except yaml.YAMLError as exc:
        raise InventoryError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError as exc:  # PyYAML composes recursively: a deeply nested document exhausts the stack
        raise InventoryError(f"{path}: not a usable inventory: nesting too deep") from exc
    finally:
        loader.dispose()


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the deepest node `loc` reaches (a missing field: the mapping that lacks it)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line, child = key.start_mark.line + 1, value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
