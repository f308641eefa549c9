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
    not say ``"attack": false``). :meth:`label` gives the reader's word for a value.
    """

    provinces: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    attack_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
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
        return cls(**values, labels=labels)

    def label(self, family: str, value) -> str:
        """The reader's word for ``value`` of ``family`` (``party``, ``event_type``,
        ``kind``, ``status``, ``metric``, ``outcome``); the value itself when unlabelled.

        >>> read_vocabulary().label("event_type", "explosive_device")
        'bombing'
        """
        return self.labels.get(family, {}).get(str(value), str(value))


def descriptor_problems(descriptor: dict) -> list[tuple[str, str]]:
    """``(column, reason)`` for each field whose ``categories`` disagree with its enum.

    >>> descriptor_problems({"resources": []})
    []
    """
    problems = []
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
        if not isinstance(descriptor, dict):
            raise ValueError(f"{path} is not a JSON object")
        _CACHE[key] = Vocabulary.from_descriptor(descriptor)
    return _CACHE[key]
