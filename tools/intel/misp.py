"""MISP event JSON: the hash attributes (`md5`, `sha256`, `filename|sha256`, ...) of events and their objects.

Accepts one event (`{"Event": {...}}`), a REST search result (`{"response": [{"Event": ...}]}`),
or a list of events. The family of a hash comes from the av-signature its object is
`detected-as`, else from the attribute's or the event's galaxies/tags (not ATT&CK patterns);
the reference names the event (uuid and info).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tools.errors import IntelStoreError
from tools.intel.hashes import InvalidHashError, normalize_hash
from tools.intel.models import ImportRecord, ParseTally

_HASH_ATTRIBUTE_TYPES = frozenset({"md5", "sha1", "sha256"})
_COMPOSITE_TYPES = frozenset({"filename|md5", "filename|sha1", "filename|sha256", "malware-sample"})
# Galaxies that describe behaviour or victims, not what the sample is.
_NOT_FAMILY_GALAXIES = ("attack-pattern", "course-of-action", "sector", "country", "region", "target")
_GALAXY_TAG = re.compile(r'^misp-galaxy:(?P<galaxy>[^=]+)="(?P<value>[^"]*)"$')
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class MispCluster(_Model):
    """A galaxy cluster (a named family, actor or technique)."""

    value: str = ""
    """The cluster's name."""


class MispGalaxy(_Model):
    """A galaxy attached to an event or attribute."""

    type: str = ""
    """The galaxy kind (mitre-attack-pattern, malpedia, ...)."""
    clusters: list[MispCluster] = Field(default_factory=list, alias="GalaxyCluster")
    """Its clusters."""


class MispTag(_Model):
    """A tag, e.g. `misp-galaxy:malpedia="Mozi"`."""

    name: str = ""
    """The tag text."""


class MispAttribute(_Model):
    """One MISP attribute."""

    type: str
    """The attribute type (md5, sha256, filename|sha256, ip-dst, ...)."""
    value: str
    """The value."""
    uuid: str = ""
    """The attribute's uuid."""
    object_relation: str | None = None
    """Its role inside its object (signature, sha256, filename, ...)."""
    first_seen: str | None = None
    """When it was first seen, if recorded."""
    deleted: bool = False
    """Soft-deleted attributes are skipped."""
    galaxies: list[MispGalaxy] = Field(default_factory=list, alias="Galaxy")
    """Galaxies on the attribute."""
    tags: list[MispTag] = Field(default_factory=list, alias="Tag")
    """Tags on the attribute."""


class MispReference(_Model):
    """A relation from an object to another."""

    referenced_uuid: str = ""
    """The other object's uuid."""
    relationship_type: str = ""
    """The relation (detected-as, includes, ...)."""


class MispObject(_Model):
    """A MISP object (file, av-signature, ...) grouping attributes."""

    name: str = ""
    """The object template name."""
    uuid: str = ""
    """The object's uuid."""
    deleted: bool = False
    """Soft-deleted objects are skipped."""
    attributes: list[MispAttribute] = Field(default_factory=list, alias="Attribute")
    """Its attributes."""
    references: list[MispReference] = Field(default_factory=list, alias="ObjectReference")
    """Its relations to other objects."""


class MispEvent(_Model):
    """A MISP event: attributes, objects, galaxies and tags."""

    uuid: str = ""
    """The event's uuid."""
    info: str = ""
    """The event's title."""
    date: str | None = None
    """The event date."""
    attributes: list[MispAttribute] = Field(default_factory=list, alias="Attribute")
    """Attributes outside objects."""
    objects: list[MispObject] = Field(default_factory=list, alias="Object")
    """Objects."""
    galaxies: list[MispGalaxy] = Field(default_factory=list, alias="Galaxy")
    """Galaxies on the event."""
    tags: list[MispTag] = Field(default_factory=list, alias="Tag")
    """Tags on the event."""


def _family_from(galaxies: list[MispGalaxy], tags: list[MispTag]) -> str | None:
    for galaxy in galaxies:
        if any(word in galaxy.type for word in _NOT_FAMILY_GALAXIES):
            continue
        for cluster in galaxy.clusters:
            if cluster.value:
                return cluster.value
    for tag in tags:
        match = _GALAXY_TAG.match(tag.name)
        if match and not any(word in match["galaxy"] for word in _NOT_FAMILY_GALAXIES):
            value = match["value"].strip()
            if value and not _UUID.match(value):
                return value
    return None


def _signatures(event: MispEvent) -> dict[str, str]:
    """The detection name of every av-signature object, by object uuid."""
    found: dict[str, str] = {}
    for obj in event.objects:
        if obj.name != "av-signature" or obj.deleted:
            continue
        signature = next(
            (a.value for a in obj.attributes if a.object_relation == "signature" and a.value), None
        )
        if signature:
            found[obj.uuid] = signature
    return found


def _events(document: object, path: Path) -> list[MispEvent]:
    if isinstance(document, dict) and isinstance(document.get("response"), list):
        items: list[object] = document["response"]
    elif isinstance(document, list):
        items = document
    else:
        items = [document]
    events: list[MispEvent] = []
    for index, item in enumerate(items):
        raw = item.get("Event", item) if isinstance(item, dict) else item
        if not isinstance(raw, dict) or not ({"Attribute", "Object", "info", "uuid"} & raw.keys()):
            raise IntelStoreError(f'{path}:1: not a MISP event (item {index} has no "Event" with attributes)')
        try:
            events.append(MispEvent.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise IntelStoreError(f"{path}: MISP event {index}: {where}: {err['msg']}") from exc
    if not events:
        raise IntelStoreError(f"{path}:1: no MISP event in the file")
    return events


def parse_misp(path: Path, text: str, tally: ParseTally) -> Iterator[ImportRecord]:
    """Yield a record per hash attribute of every event in a MISP JSON document."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntelStoreError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    for event in _events(document, path):
        yield from _event_records(path, event, tally)


def _event_records(path: Path, event: MispEvent, tally: ParseTally) -> Iterator[ImportRecord]:
    event_family = _family_from(event.galaxies, event.tags)
    reference = f"misp event {event.uuid}: {event.info}".strip() if event.uuid else event.info or None
    signatures = _signatures(event)
    groups: list[tuple[str, list[MispAttribute], str | None]] = [("Attribute", event.attributes, None)]
    for i, obj in enumerate(event.objects):
        if obj.deleted:
            continue
        detected = next(
            (signatures[r.referenced_uuid] for r in obj.references
             if r.relationship_type == "detected-as" and r.referenced_uuid in signatures),
            None,
        )
        groups.append((f"Object[{i}].Attribute", obj.attributes, detected))
    for where, attributes, detected in groups:
        for j, attribute in enumerate(attributes):
            if attribute.deleted:
                continue
            kind = attribute.type.lower()
            if kind in _HASH_ATTRIBUTE_TYPES:
                value = attribute.value
            elif kind in _COMPOSITE_TYPES:
                value = attribute.value.rsplit("|", 1)[-1]
            else:
                tally.not_hashes += 1
                continue
            try:
                digest, hash_type = normalize_hash(value)
            except InvalidHashError as exc:
                tally.add_invalid(f"{path}: event {event.uuid} {where}[{j}]", str(exc))
                continue
            family = detected or _family_from(attribute.galaxies, attribute.tags) or event_family
            yield ImportRecord(digest, hash_type, family, attribute.first_seen or event.date, reference)
