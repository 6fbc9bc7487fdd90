"""Plausible argument values for lint: references replaced by typed samples, for the tool's args model."""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence

import re2

from playbooks.catalogue import Catalogue
from playbooks.extractors import BuiltinExtractor, ColumnExtractor
from playbooks.model import InputSpec, Step
from playbooks.refs import ArgValue, ConcatRef, Encoding, FindingRef, InputRef, ItemRef
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


def finding_sample(steps: Iterable[Step], name: str, catalogue: Catalogue | None) -> str:
    """A plausible single value of a finding, from the kind of its extractor."""
    for step in steps:
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
    value: ArgValue | str,
    inputs: Mapping[str, InputSpec],
    steps: Sequence[Step],
    catalogue: Catalogue | None,
) -> Sample:
    """The sample a reference stands for (literal values are returned as they are)."""
    if isinstance(value, InputRef):
        spec = inputs.get(value.input)
        if spec is None:
            return "sample"
        default = spec.typed_default()
        return _encode(default if default is not None else SAMPLES[spec.type.value], value.as_)
    if isinstance(value, FindingRef):
        return _encode([finding_sample(steps, value.finding, catalogue)], value.as_)
    if isinstance(value, ItemRef):
        return _encode(finding_sample(steps, value.item, catalogue), value.as_)
    if isinstance(value, ConcatRef):
        return "".join(str(sample_value(p, inputs, steps, catalogue)) for p in value.concat)
    if isinstance(value, list):
        out: list[object] = []
        for item in value:  # a list input or a finding inside a list is spliced in, as at run time
            sample = sample_value(item, inputs, steps, catalogue)
            out.extend(sample) if isinstance(sample, list) else out.append(sample)
        return out
    return value


def sample_args(
    step: Step, inputs: Mapping[str, InputSpec], steps: Sequence[Step], catalogue: Catalogue | None
) -> dict[str, Sample]:
    """The step's args with every reference replaced by a typed sample (inputs and steps: those known)."""
    return {name: sample_value(v, inputs, steps, catalogue) for name, v in step.args.items()}
