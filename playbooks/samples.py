"""Plausible argument values for lint: references replaced by typed samples, for the tool's args model."""

from __future__ import annotations

import typing

import re2

from playbooks.catalogue import Catalogue
from playbooks.refs import (
    ArgValue,
    BuiltinExtractor,
    ColumnExtractor,
    ConcatRef,
    Encoding,
    FindingRef,
    InputRef,
    ItemRef,
)
from playbooks.schema import Playbook, Step
from playbooks.values import SAMPLES, BoundValue, duration_seconds

Sample = str | int | float | bool | None | list[object]
_COLUMN_SAMPLES: dict[str, str] = {
    "path": "/var/sample",
    "exe": "/var/sample",
    "sha256": "0" * 64,
    "sha1": "0" * 40,
    "md5": "0" * 32,
    "hash": "0" * 64,
    "source": "192.0.2.1",
    "peer_addr": "192.0.2.1",
    "local_addr": "192.0.2.1",
}
"""Samples for columns whose name says what they hold (a row column `path` holds absolute paths)."""


def finding_sample(playbook: Playbook, name: str, catalogue: Catalogue | None) -> str:
    """A plausible single value of a finding, from the kind of its extractor."""
    for step in playbook.steps:
        extractor = step.extract.get(name)
        if isinstance(extractor, BuiltinExtractor):
            return str(SAMPLES[extractor.builtin])
        if isinstance(extractor, ColumnExtractor):
            if extractor.column in _COLUMN_SAMPLES:
                return _COLUMN_SAMPLES[extractor.column]
            if catalogue is not None and step.tool in catalogue:
                field = catalogue[step.tool].row_model.model_fields.get(extractor.column)
                if field is not None and int in (field.annotation, *typing.get_args(field.annotation)):
                    return "1"
    return "sample"


def _encode(value: BoundValue, how: Encoding) -> Sample:
    if how == Encoding.SECONDS and isinstance(value, str):
        return duration_seconds(value)
    if how == Encoding.REGEX:
        return str(re2.escape(str(value)))
    if how == Encoding.REGEX_ANY:
        items = value if isinstance(value, list) else [str(value)]
        return "(?:" + "|".join(str(re2.escape(v)) for v in items) + ")"
    return list(value) if isinstance(value, list) else value


def sample_value(
    value: ArgValue | str, step: Step, playbook: Playbook, catalogue: Catalogue | None
) -> Sample:
    """The sample a reference stands for (literal values are returned as they are)."""
    if isinstance(value, InputRef):
        spec = playbook.inputs.get(value.input)
        if spec is None:
            return "sample"
        default = spec.typed_default()
        return _encode(default if default is not None else SAMPLES[spec.type.value], value.as_)
    if isinstance(value, FindingRef):
        return _encode([finding_sample(playbook, value.finding, catalogue)], value.as_)
    if isinstance(value, ItemRef):
        return _encode(finding_sample(playbook, value.item, catalogue), value.as_)
    if isinstance(value, ConcatRef):
        return "".join(str(sample_value(p, step, playbook, catalogue)) for p in value.concat)
    if isinstance(value, list):
        out: list[object] = []
        for item in value:  # a list input or a finding inside a list is spliced in, as at run time
            sample = sample_value(item, step, playbook, catalogue)
            out.extend(sample) if isinstance(sample, list) else out.append(sample)
        return out
    return value


def sample_args(step: Step, playbook: Playbook, catalogue: Catalogue | None) -> dict[str, Sample]:
    """The step's args with every reference replaced by a typed sample."""
    return {name: sample_value(v, step, playbook, catalogue) for name, v in step.args.items()}
