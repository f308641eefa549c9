"""The vocabularies of a data package, read once from its ``datapackage.json``.

Provinces, parties, outcomes, event types (and which of them are attacks), coordination
kinds and statuses, claim metrics, precisions, and the labels a reader sees: all come from
the descriptor of the package being used, never from a copy in code, so a package loaded
with ``load(data_dir)`` or briefed with ``--data-dir`` is judged and labelled by its own
schema. A field's allowed values are its ``constraints.enum``; its labels are the Data
Package v2 ``categories`` beside it (``{"value": "pmf", "label": "PMF"}``), and an event
type's category says whether it is an attack (``"attack": false`` for arrests).

>>> from kirkuk_analysis.vocab import read_vocabulary
>>> v = read_vocabulary()
>>> v.label("party", "pmf"), "arrest" in v.attack_types, "Kirkuk" in v.provinces
('PMF', False, True)

Standard library only: the CLI checks parameters against it before pandas is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kirkuk_analysis import _json, _paths

__all__ = ["Vocabulary", "descriptor_problems", "read_vocabulary"]

# (resource, field) holding each vocabulary; the party labels live on casualties.party.
_FIELDS = {
    "provinces": ("places", "province"),
    "parties": ("casualties", "party"),
    "outcomes": ("casualties", "outcome"),
    "event_types": ("incidents", "event_type"),
    "kinds": ("coordination", "kind"),
    "statuses": ("coordination", "status"),
    "metrics": ("claims", "metric"),
    "precisions": ("incidents", "date_precision"),
    "geo_precisions": ("incidents", "geo_precision"),
}
# The label families, and the vocabulary each labels.
_LABELLED = {
    "party": "parties",
    "event_type": "event_types",
    "kind": "kinds",
    "status": "statuses",
    "metric": "metrics",
    "outcome": "outcomes",
}


def _field(descriptor: dict, resource: str, name: str) -> dict:
    for r in descriptor.get("resources", []):
        if isinstance(r, dict) and r.get("name") == resource:
            for f in r.get("schema", {}).get("fields", []):
                if isinstance(f, dict) and f.get("name") == name:
                    return f
    return {}


def _categories(fd: dict) -> list[dict]:
    out = []
    for c in fd.get("categories", []) or []:
        out.append(c if isinstance(c, dict) else {"value": c})
    return out


@dataclass(frozen=True)
class Vocabulary:
    """A package's vocabularies (tuples in schema order) and labels.

    ``attack_types`` are the event types counted as attacks (every type whose category does
    not say ``"attack": false``); ``count_metrics`` the claim metrics that count people or
    events, in whole numbers (every metric whose category does not say ``"count": false``,
    as a width in kilometres does). :meth:`label` gives the reader's word for a value.
    """

    provinces: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    attack_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    count_metrics: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    geo_precisions: tuple[int, ...] = ()
    labels: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    @classmethod
    def from_descriptor(cls, descriptor: dict) -> Vocabulary:
        """The vocabularies of a parsed ``datapackage.json``."""
        values = {}
        for attr, (resource, name) in _FIELDS.items():
            enum = _field(descriptor, resource, name).get("constraints", {}).get("enum", [])
            values[attr] = tuple(enum)
        labels: dict[str, dict[str, str]] = {}
        for family, attr in _LABELLED.items():
            resource, name = _FIELDS[attr]
            cats = _categories(_field(descriptor, resource, name))
            labels[family] = {
                str(c["value"]): str(c.get("label", c["value"])) for c in cats if "value" in c
            }
        event_cats = _categories(_field(descriptor, *_FIELDS["event_types"]))
        not_attacks = {str(c.get("value")) for c in event_cats if c.get("attack") is False}
        values["attack_types"] = tuple(t for t in values["event_types"] if t not in not_attacks)
        metric_cats = _categories(_field(descriptor, *_FIELDS["metrics"]))
        measures = {str(c.get("value")) for c in metric_cats if c.get("count") is False}
        values["count_metrics"] = tuple(m for m in values["metrics"] if m not in measures)
        return cls(**values, labels=labels)

    def label(self, family: str, value) -> str:
        """The reader's word for ``value`` of ``family`` (``party``, ``event_type``,
        ``kind``, ``status``, ``metric``, ``outcome``); the value itself when unlabelled.

        >>> read_vocabulary().label("event_type", "explosive_device")
        'bombing'
        """
        return self.labels.get(family, {}).get(str(value), str(value))


#: The field types the loader reads (Frictionless names).
FIELD_TYPES = ("string", "integer", "number", "date", "boolean")
#: The field constraints the loader checks (Frictionless names); any other is refused.
CONSTRAINTS = ("required", "unique", "enum", "pattern", "minimum", "maximum", "minLength")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _names(value) -> list | None:
    """A Frictionless field list (a name or a list of names) as a list, or None if malformed."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _field_problems(where: str, fd: dict) -> list[tuple[str, str]]:
    column = f"{where}.{fd['name']}"
    problems = []
    kind = fd.get("type", "string")
    if kind not in FIELD_TYPES:
        problems.append(
            (column, f"type {kind!r} is not one the loader reads ({', '.join(FIELD_TYPES)})")
        )
    c = fd.get("constraints", {})
    if not isinstance(c, dict):
        return [*problems, (column, "constraints must be an object")]
    # a constraint the loader does not check is refused, never ignored: the descriptor is
    # the schema's one source, and a rule written there must hold in the data
    for key in sorted(set(c) - set(CONSTRAINTS)):
        problems.append(
            (column, f"constraints.{key} is not supported (the loader checks "
                     f"{', '.join(CONSTRAINTS)})")
        )  # fmt: skip
    for key in ("required", "unique"):
        if key in c and not isinstance(c[key], bool):
            problems.append((column, f"constraints.{key} must be true or false"))
    if "enum" in c:
        enum, scalar = c["enum"], str if kind == "string" else (int, float, str, bool)
        if not (isinstance(enum, list) and enum and all(isinstance(v, scalar) for v in enum)):
            problems.append(
                (column, "constraints.enum must be a non-empty list of values of the field's type")
            )
        elif len(set(enum)) != len(enum):
            problems.append((column, "constraints.enum lists a value twice"))
    if "pattern" in c:
        if not isinstance(c["pattern"], str):
            problems.append((column, "constraints.pattern must be a string"))
        else:
            try:
                re.compile(c["pattern"])
            except re.error as exc:
                problems.append(
                    (column, f"constraints.pattern is not a regular expression ({exc})")
                )
    for key in ("minimum", "maximum"):
        if key in c and not _is_number(c[key]):
            problems.append(
                (column, f"constraints.{key} must be a number (the loader bounds numbers "
                         f"only), not {c[key]!r}")
            )  # fmt: skip
    if "minLength" in c and not (
        isinstance(c["minLength"], int)
        and not isinstance(c["minLength"], bool)
        and c["minLength"] >= 0
    ):
        problems.append((column, "constraints.minLength must be a whole number"))
    if "format" in fd and not isinstance(fd["format"], str):
        problems.append((column, "format must be a string"))
    return problems


def structure_problems(descriptor: dict) -> list[tuple[str, str]]:
    """``(column, reason)`` for each part of a descriptor's resources that the loader could
    not use as the Frictionless spec defines it: field names, types and constraints, primary
    and foreign keys, and a CSV dialect or encoding other than comma-separated UTF-8 with a
    header (which the loader would otherwise read wrongly).

    >>> structure_problems({"resources": [{"name": "t", "schema": {"fields": [
    ...     {"name": "n", "type": "integer", "constraints": {"maximum": "5"}}]}}]})
    [('t.n', "constraints.maximum must be a number, not '5'")]
    """
    problems: list[tuple[str, str]] = []
    resources = [r for r in descriptor.get("resources", []) if isinstance(r, dict)]
    fields_of: dict[str, list[str]] = {}
    for r in resources:
        schema = r.get("schema")
        if (
            isinstance(r.get("name"), str)
            and isinstance(schema, dict)
            and isinstance(schema.get("fields"), list)
        ):
            fields_of[r["name"]] = [
                fd.get("name") for fd in schema["fields"] if isinstance(fd, dict)
            ]
    for r in resources:
        name = r.get("name")
        if name not in fields_of:
            continue
        schema, names = r["schema"], fields_of[name]
        for fd in schema["fields"]:
            if not (isinstance(fd, dict) and isinstance(fd.get("name"), str) and fd["name"]):
                problems.append((name, "every field needs a name (a non-empty string)"))
                continue
            if names.count(fd["name"]) > 1:
                problems.append((f"{name}.{fd['name']}", "the field is listed twice"))
            problems.extend(_field_problems(name, fd))
        missing = schema.get("missingValues", [""])
        if missing != [""]:
            problems.append(
                (f"{name}.missingValues", f"{missing!r} is not supported: an empty cell is "
                                          "the only missing value the loader reads")
            )  # fmt: skip
        if "primaryKey" in schema:
            key = _names(schema["primaryKey"])
            if key is None or any(k not in names for k in key):
                problems.append((f"{name}.primaryKey", "must name fields of the table"))
        fks = schema.get("foreignKeys", [])
        if not isinstance(fks, list):
            problems.append((f"{name}.foreignKeys", "must be a list"))
            fks = []
        for fk in fks:
            own = _names(fk.get("fields")) if isinstance(fk, dict) else None
            ref = fk.get("reference") if isinstance(fk, dict) else None
            target = (ref.get("resource") or name) if isinstance(ref, dict) else None
            theirs = _names(ref.get("fields")) if isinstance(ref, dict) else None
            if own is None or any(f not in names for f in own):
                problems.append((f"{name}.foreignKeys", "fields must name fields of the table"))
            elif target not in fields_of:
                problems.append(
                    (
                        f"{name}.foreignKeys",
                        f"reference.resource {target!r} is not a table of the package",
                    )
                )
            elif (
                theirs is None
                or len(theirs) != len(own)
                or any(f not in fields_of[target] for f in theirs)
            ):
                problems.append(
                    (
                        f"{name}.foreignKeys",
                        f"reference.fields must name as many fields of {target}",
                    )
                )
        dialect = r.get("dialect", {})
        if (
            not isinstance(dialect, dict)
            or dialect.get("delimiter", ",") != ","
            or dialect.get("header", True) is not True
            or dialect.get("quoteChar", '"') != '"'
        ):
            problems.append(
                (
                    f"{name}.dialect",
                    "not supported: the loader reads comma-separated files with a header row "
                    "and double quotes",
                )
            )
        encoding = r.get("encoding", "utf-8")
        if not (
            isinstance(encoding, str) and encoding.lower().replace("_", "-") in ("utf-8", "utf8")
        ):
            problems.append(
                (f"{name}.encoding", f"{encoding!r} is not supported: the tables must be UTF-8")
            )
    return problems


def descriptor_problems(descriptor: dict) -> list[tuple[str, str]]:
    """``(column, reason)`` for each part of the descriptor the loader cannot use
    (:func:`structure_problems`) and each field whose ``categories`` disagree with its enum.

    >>> descriptor_problems({"resources": []})
    []
    """
    problems = structure_problems(descriptor)
    if problems:
        return problems
    for r in descriptor.get("resources", []):
        if not isinstance(r, dict):
            continue
        for fd in r.get("schema", {}).get("fields", []) or []:
            if not isinstance(fd, dict) or "categories" not in fd:
                continue
            cats = fd["categories"]
            values = [c.get("value") if isinstance(c, dict) else c for c in cats or []]
            enum = fd.get("constraints", {}).get("enum")
            if not isinstance(cats, list) or (enum is not None and values != list(enum)):
                problems.append(
                    (
                        f"{r.get('name')}.{fd.get('name')}",
                        "categories must list the enum's values, in its order",
                    )
                )
    return problems


_CACHE: dict[tuple[str, int], Vocabulary] = {}


def read_vocabulary(data_dir: str | Path | None = None) -> Vocabulary:
    """The vocabularies of the package in ``data_dir`` (``None``: the shipped one), from its
    ``datapackage.json`` alone (no table is read). Raises ``FileNotFoundError`` or
    ``ValueError`` for a missing or unreadable descriptor."""
    folder = Path(data_dir) if data_dir is not None else _paths.data_dir()
    path = folder / "datapackage.json"
    stamp = path.stat().st_mtime_ns
    key = (str(path.resolve()), stamp)
    if key not in _CACHE:
        descriptor = _json.parse(path.read_text(encoding="utf-8-sig"))
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise ValueError(f"{path} is not a JSON object with a list of resources")
        if found := descriptor_problems(descriptor):
            column, reason = found[0]
            raise ValueError(f"{column}: {reason}")
        _CACHE[key] = Vocabulary.from_descriptor(descriptor)
    return _CACHE[key]
