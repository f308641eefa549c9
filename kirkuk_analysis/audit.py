"""Audit the data package against its articles: every figure checked against its words.

:func:`load` checks what the tables say about themselves. The audit checks what only the
articles and the calendar can confirm (``kirkuk-analysis validate --articles DIR``)::

    from kirkuk_analysis.audit import audit
    for problem in audit("data", articles="../shared/articles"):
        print(problem)          # FILE:LINE: COLUMN: reason; nothing when the package passes

Each rule is in :data:`ARTICLE_RULES` (and in ``docs/codebook.md`` §7a); every problem is a
:class:`~kirkuk_analysis.data.Problem`, ``FILE:LINE: COLUMN: reason``, on the physical line
of the CSV file. The article texts stay outside the repository: they are the outlets' words.
The repository keeps each article's file name, SHA-256 and URL (``sources.csv``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from kirkuk_analysis import boundaries, counts, dates
from kirkuk_analysis.data import TABLES, Dataset, Problem, load
from kirkuk_analysis.text import EVIDENCE_MIN_CHARS, normalise

__all__ = [
    "ARTICLE_RULES",
    "EVIDENCE_MIN_CHARS",
    "audit",
    "check_articles",
    "check_dates",
    "check_duplicates",
    "check_figures",
    "check_ids",
    "check_places",
    "check_overlaps",
    "check_sources",
    "normalise",
]

#: The rules the audit adds to :func:`~kirkuk_analysis.load`'s (also in the codebook).
ARTICLE_RULES = (
    "sources: the file named by document is in the articles folder, readable as UTF-8",
    "sources: the SHA-256 of that file is sources.sha256",
    "sources: a published date with published_basis printed is printed in the article "
    "(12-05-2021, 2021-05-12, May 12, 2021 or 12 May 2021)",
    "sources: an inferred publication date, and a missing url, are explained in notes; "
    "no publication date lies in the future",
    "casualties, coordination, claims: evidence is verbatim in the row's article, after "
    "normalisation, and at least 12 characters long",
    "incidents, coordination, claims: a date phrase is the article's own words, in an "
    "article of its row (in any case)",
    "casualties, claims: an excerpt that begins or ends on its figure keeps the words of its "
    "article that make that figure a floor or a range (at least, up to, between three and, "
    "3 to)",
    "incidents, coordination, claims: a row with date_basis phrase has the dates that "
    "kirkuk_analysis.dates.resolve gives for its phrase and its source's publication date "
    "(forward for a planned step), and its source is dated to the day; a row with date_basis "
    "inferred explains its date in notes",
    "incidents, coordination: an inferred date's precision is the narrowest that holds its "
    "range (day 1 day, week 7, month 31, year 366)",
    "incidents, coordination, claims: nothing that happened ends after its article was published",
    "casualties: no row's article was published before its incident began",
    "incidents: two from different articles that may be one event (both attacks or both "
    "arrests, on one target, at one place, or one placed only to the "
    "province holding the other, on dates a day apart at most) are said to be distinct (the "
    "notes of one name the other); else the later is the earlier reported again; two of one "
    "article with the same dates, place, event type, target and summary are one row entered "
    "twice, unless the notes of one name the other",
    "places: the point lies in (or within ~2 km of) its province's polygon of the shipped "
    "Natural Earth boundaries, or in a polygon that map is known to give part of that province "
    "(Makhmour district in Erbil's, Baghdad's outskirts in its neighbours', within ~33 km), "
    "or its notes name the polygon it lies in ('the Erbil polygon')",
    "claims: every incident in overlaps (each listed once) falls in the claim's period and "
    "province, and has a figure the claim counts (its metric and party) or no figure of "
    "that metric at all",
    "claims: overlaps lists every incident of the claim's own article (its own incidents, "
    "and those it gives casualty figures for) that it can include (at the claim's place, "
    "or anywhere in its province for a province-wide claim), unless the claim's notes say it "
    "excludes it ('excludes I12')",
    "incidents, coordination, claims: no id listed in retired_ids of datapackage.json is used",
    "casualties: the evidence names what the row counts, a word for its outcome (killed: "
    "killed, dead, died...; wounded: wounded, injured...; captured: captured, arrested...), "
    "and a figure of 0 stands on words saying none (no, none, nobody, zero, without...) in a "
    "sentence with such a word; a claim's 0 on words saying none",
    "casualties: no row gives a claim's figure on the claim's own words (the same article, one "
    "excerpt holding the other): that is the claim's total entered as an incident",
    "casualties: a row of iraqi_security_forces beside a row of a federal branch (the same "
    "incident and outcome, any source) is explained in the incident's notes, which name "
    "iraqi_security_forces; else both are the branch",
    "casualties, claims: each figure above 1 is one the evidence states, in digits or words, "
    "or adds up ('two soldiers and an officer': 3), never with a number another outcome's verb "
    "ties to it ('wounded four'), or the floor a vague quantity gives "
    "(tens of: 20, dozens: 24, hundreds: 200), where the evidence states any number; a figure it "
    "gives only as a floor (at least, more than, over, or a vague quantity) has high empty; "
    "a range it gives (between 3 and 5, 3 to 5, 3-5, three or four) has best empty",
)

#: The words an excerpt may count each outcome with (case ignored, whole words): a casualty
#: row's evidence names what the row counts. "casualties" is killed and wounded together.
OUTCOME_WORDS = {
    "killed": r"kill\w*|dead|deaths?|died|dies?|dying|martyr\w*|slain|slew|lives|life|fatal\w*"
    r"|bod(?:y|ies)|execut\w*|behead\w*|massacr\w*|perish\w*|casualt\w*|murder\w*"
    r"|assassinat\w*|gunned|shot|succumb\w*|lost|los(?:e|es|ing|s|ses)|slaughter\w*|fallen"
    r"|fell|eliminat\w*|corpses?|remains|blew|toll",
    "wounded": r"wound\w*|injur\w*|hurt|unhurt|harm\w*|unharmed|unscathed|maim\w*"
    r"|hospitali[sz]\w*|casualt\w*|shot|burn\w*",
    "captured": r"captur\w*|arrest\w*|detain\w*|detention|abduct\w*|kidnap\w*|seiz\w*"
    r"|custody|prisoners?|hostages?|held|apprehend\w*|caught|surrender\w*|captiv\w*"
    r"|rounded|round-up|nabbed|taken|picked|snatch\w*|handed|turned",
}
#: How the messages name each outcome's words.
_SAID = {
    "killed": "killed, dead, died",
    "wounded": "wounded, injured",
    "captured": "captured, arrested, detained",
}
#: Words that say none: the only ground for a figure of 0 (unknown is empty, never 0).
#: After "not" or "n't", the words that make it a figure unknown, not none: "it was not
#: clear how many", "the police did not give a number", "didn't say how many".
_NOT_UNKNOWN = (
    r"(?!\s+(?:\w+\s+)?(?:clear|known|know|knew|certain|confirm\w*|available|yet|giv\w*|gave|"
    r"say\w*|said|tell|told|disclos\w*|reveal\w*|releas\w*|provid\w*|report\w*|specif\w*|"
    r"announc\w*|publish\w*|stat\w*|comment\w*|respond\w*|immediately))"
)

NONE_WORDS = (
    r"no|none|nobody|zero|0|neither|nor|without|unharmed|unhurt|unscathed|spared"
    # "didn't cause any casualties", "there weren't any"
    rf"|(?:did|does|do|was|were|is|are|has|have|had|could|would)n[\u2019']t{_NOT_UNKNOWN}"
    # "not", but not a figure unknown: "it was not clear how many were killed"
    rf"|not{_NOT_UNKNOWN}"
)

# The dated tables: (start, end, precision or None, phrase) columns.
_DATED = {
    "incidents": ("date_start", "date_end", "date_precision", "date_phrase"),
    "coordination": ("date_start", "date_end", "date_precision", "date_phrase"),
    "claims": ("period_start", "period_end", None, "period_phrase"),
}


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


class _Report:
    """Collects problems for one dataset, each on its row's physical line."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        self.files = {r["name"]: r["path"] for r in ds.package.get("resources", []) if "name" in r}
        self.problems: list[Problem] = []
        self._lines: dict[str, object] = {}

    def add(self, table: str, row: int, column: str, reason: str) -> None:
        if table not in self._lines:
            self._lines[table] = self.ds.line_numbers(table)
        line = int(self._lines[table][row])
        self.problems.append(Problem(self.files.get(table, f"{table}.csv"), line, column, reason))


def _rows(frame: pd.DataFrame) -> Iterator[tuple[int, dict]]:
    """(position, row as a dict) for each row of ``frame``."""
    return enumerate(frame.to_dict("records"))


# --------------------------------------------------------------------------------------
# Dates


def _not_narrowest(start, end, precision: str) -> str | None:
    """Why ``precision`` is not the narrowest that holds ``start..end`` (codebook §3), or
    None: a 30-day range is a month's, not a year's. (A phrase's precision is the
    resolver's, checked against it; this is for the dates a curator inferred.)"""
    if pd.isna(start) or pd.isna(end) or precision not in dates.PRECISION_DAYS:
        return None
    days = (pd.Timestamp(end) - pd.Timestamp(start)).days + 1
    narrowest = next((p for p, n in dates.PRECISION_DAYS.items() if days <= n), None)
    if narrowest is None or narrowest == precision:
        return None
    return (
        f"{precision} for a range of {days} days: the narrowest precision that holds it is "
        f"{narrowest} (day 1 day, week 7, month 31, year 366)"
    )


@lru_cache(maxsize=4096)
def _resolve(phrase: str, published: date, direction: str) -> dates.Resolved | str:
    try:
        return dates.resolve(phrase, published, direction)
    except dates.UnresolvablePhrase as exc:
        return str(exc)


def _published(ds: Dataset) -> dict[str, tuple[date, date, str]]:
    """source_id -> (publication day, last day it may be, precision).

    With a precision coarser than a day, ``published`` is the first day of the range."""
    out = {}
    for sid, day, precision in zip(
        ds.sources.source_id, ds.sources.published, ds.sources.published_precision, strict=True
    ):
        if pd.isna(day):
            continue
        first = pd.Timestamp(day).date()
        precision = "day" if pd.isna(precision) else str(precision)
        if precision == "month":
            last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
        elif precision == "year":
            last = first.replace(month=12, day=31)
        else:
            last = first + pd.Timedelta(days=dates.PRECISION_DAYS.get(precision, 1) - 1)
        out[str(sid)] = (first, last, precision)
    return out


def check_dates(ds: Dataset) -> list[Problem]:
    """Re-derive every dated row from its phrase and its source's publication date.

    A row with ``date_basis`` ``phrase`` must carry the range (and precision)
    :func:`kirkuk_analysis.dates.resolve` gives; one with ``inferred`` must say in
    ``notes`` where its date comes from. Nothing that happened may end after its article
    was published (a ``planned`` coordination step resolves forward and may).

    >>> from kirkuk_analysis import load
    >>> check_dates(load())
    []
    """
    report = _Report(ds)
    published = _published(ds)
    for table, (start_col, end_col, prec_col, phrase_col) in _DATED.items():
        frame = getattr(ds, table)
        if "date_basis" not in frame.columns:
            continue
        for row, r in _rows(frame):
            if str(r["source_id"]) not in published:
                continue  # an unknown source is load()'s problem
            pub, pub_last, pub_precision = published[str(r["source_id"])]
            direction = dates.direction_of(_text(r.get("status")))
            phrase = _text(r[phrase_col]).strip()
            basis = _text(r["date_basis"])
            if basis == "inferred" and not _text(r.get("notes")).strip():
                report.add(
                    table,
                    row,
                    "notes",
                    "date_basis is 'inferred', so notes must say where the date comes from",
                )
            if (
                basis == "inferred"
                and prec_col is not None
                and (why := _not_narrowest(r[start_col], r[end_col], _text(r[prec_col])))
            ):
                report.add(table, row, prec_col, why)
            if direction == "past" and not pd.isna(r[end_col]):
                end = pd.Timestamp(r[end_col]).date()
                if end > pub_last:
                    report.add(
                        table,
                        row,
                        end_col,
                        f"{end_col} {end} is after its article {r['source_id']} was "
                        f"published ({pub_last if pub_precision == 'day' else f'by {pub_last}'})",
                    )
            if basis != "phrase":
                continue
            if pub_precision != "day":
                report.add(
                    table,
                    row,
                    "date_basis",
                    f"{r['source_id']} is dated only to the {pub_precision}: a phrase cannot be "
                    "resolved to days against it; set date_basis to 'inferred' and explain",
                )
                continue
            if not phrase:
                report.add(
                    table,
                    row,
                    phrase_col,
                    f"date_basis is 'phrase' but {phrase_col} is empty: give the article's "
                    "words, or set date_basis to 'inferred' and explain the date in notes",
                )
                continue
            found = _resolve(phrase, pub, direction)
            if isinstance(found, str):
                report.add(table, row, phrase_col, found)
                continue
            against = f"{phrase!r} against {r['source_id']}'s publication date {pub}"
            if direction == "future":
                against += " (forward: a planned step)"
            wanted = {start_col: found.start.isoformat(), end_col: found.end.isoformat()}
            if prec_col is not None:
                wanted[prec_col] = found.precision
            for column, expected in wanted.items():
                actual = _day(r[column]) if column != prec_col else _text(r[column])
                if actual != expected:
                    report.add(
                        table,
                        row,
                        column,
                        f"{actual or 'empty'} is not what {against} gives: {expected} "
                        f"(range {found.start}..{found.end}, {found.precision})",
                    )
    _check_reported_after(ds, published, report)
    return report.problems


def _check_reported_after(ds: Dataset, published: dict, report: _Report) -> None:
    """A casualty row's article cannot report an incident that began after it was
    published: another outlet's figures for an attack are dated by that attack."""
    began = dict(zip(ds.incidents.incident_id.astype(str), ds.incidents.date_start, strict=True))
    for row, r in _rows(ds.casualties[["incident_id", "source_id"]]):
        incident, source = str(r["incident_id"]), str(r["source_id"])
        if source not in published or pd.isna(began.get(incident, pd.NaT)):
            continue  # an unknown id is load()'s problem
        start = pd.Timestamp(began[incident]).date()
        _, pub_last, precision = published[source]
        if start > pub_last:
            report.add(
                "casualties",
                row,
                "source_id",
                f"{incident} began {start}, after {source} was published "
                f"({pub_last if precision == 'day' else f'by {pub_last}'}): the article "
                "cannot report it; check the row's incident_id and source_id, or the dates",
            )


# --------------------------------------------------------------------------------------
# Claims and the incidents they include


def check_figures(ds: Dataset) -> list[Problem]:
    """Check that each casualty row's evidence says what the row counts.

    Its excerpt has a word for the row's outcome (:data:`OUTCOME_WORDS`): a total of
    attacks entered as a death toll ("more than 40 attacks this year" as 40 killed), or an
    excerpt cut short of its verb, is caught here. A figure of 0 needs words saying none
    (:data:`NONE_WORDS`): a 0 the article never gives is an unknown, which stays empty.

    >>> from kirkuk_analysis import load
    >>> check_figures(load())
    []
    """
    report = _Report(ds)
    counts = {o: re.compile(rf"\b(?:{w})\b", re.IGNORECASE) for o, w in OUTCOME_WORDS.items()}
    none = re.compile(rf"\b(?:{NONE_WORDS})\b", re.IGNORECASE)
    for row, r in _rows(ds.casualties):
        words, outcome = _text(r["evidence"]), _text(r["outcome"])
        if outcome in counts and not counts[outcome].search(words):
            report.add(
                "casualties",
                row,
                "evidence",
                f"{words!r} has no word for {outcome} (such as {_SAID[outcome]}): quote "
                "the words that say "
                f"who was {outcome}; a total of attacks is a claim, not a casualty figure",
            )
        zeros = [c for c in ("best", "low", "high") if not pd.isna(r[c]) and int(r[c]) == 0]
        if zeros and not _says_none(words, none, counts.values()):
            report.add(
                "casualties",
                row,
                zeros[0],
                f"0 where {words!r} says none were {outcome} in no word (no, none, nobody, "
                "zero... in a sentence about casualties): a figure the article does not give "
                "is left empty, never 0",
            )
        if wrong := _figure_against_words(r, words):
            report.add("casualties", row, *wrong)
    _check_nested_parties(ds, report)
    _check_claims_entered_as_incidents(ds, report)
    # A claim's figure is checked against its words as a casualty's is (its metric may be
    # no casualty: attacks, militants, kilometres; the numbers are read all the same).
    for row, r in _rows(ds.claims):
        words = _text(r["evidence"])
        zeros = [c for c in ("best", "low", "high") if not pd.isna(r[c]) and float(r[c]) == 0]
        if zeros and not none.search(words):
            report.add(
                "claims",
                row,
                zeros[0],
                f"0 where {words!r} says none in no word (no, none, zero...): a figure the "
                "article does not give is left empty, never 0",
            )
        if wrong := _figure_against_words(r, words):
            report.add("claims", row, *wrong)
    return report.problems


def _check_claims_entered_as_incidents(ds: Dataset, report: _Report) -> None:
    """A casualty row that gives a claim's figure on the claim's own words (the same
    article, one excerpt holding the other) is the claim's total entered as an incident's
    toll: "12 attacks this month, killing 20" is a claim (codebook §4 rule 7), and as an
    incident it would count its 20 dead beside the incidents it already includes."""
    from kirkuk_analysis.analysis import CLAIM_OUTCOMES

    claims = [
        (str(c["claim_id"]), str(c["source_id"]), normalise(_text(c["evidence"])),
         {int(c[f]) for f in ("best", "low", "high") if not pd.isna(c[f])},
         CLAIM_OUTCOMES.get(str(c["metric"]), ()))
        for _, c in _rows(ds.claims)
    ]  # fmt: skip
    if not claims:
        return
    for row, r in _rows(ds.casualties):
        words = normalise(_text(r["evidence"]))
        figures = {int(r[f]) for f in ("best", "low", "high") if not pd.isna(r[f])}
        for claim_id, source, claimed, values, outcomes in claims:
            if (
                _text(r["outcome"]) in outcomes  # a claim counting this row's outcome
                and source == str(r["source_id"])
                and figures & values
                and words
                and claimed
                and (words in claimed or claimed in words)
            ):
                report.add(
                    "casualties",
                    row,
                    "evidence",
                    f"{sorted(figures & values)[-1]} {_text(r['outcome'])} is claim "
                    f"{claim_id}'s figure, on its words in the same article: a total over "
                    "several attacks is a claim, not an incident's toll (codebook §4 rule 7); "
                    f"remove this row (and its incident if it has no other), or quote the words "
                    f"that give {r['incident_id']}'s own figure",
                )
                break


def _says_none(words: str, none: re.Pattern, outcomes) -> bool:
    """Whether a sentence of ``words`` says none with a word for an outcome beside it ("no
    one was killed"); a "no" elsewhere ("No group has claimed the attack") says nothing
    about the dead, and "no reports of casualties" says the figure is unknown."""
    text = re.sub(r"\s+", " ", words)  # line breaks in an excerpt do not matter
    text = re.sub(r"\b([A-Z])\.", r"\1", text)  # "U.S." ends no sentence
    text = re.sub(r"\b(Mr|Mrs|Dr|Gen|Lt|Col|Maj|Brig|Capt|Sgt|St)\.", r"\1", text)
    text = _UNKNOWN_NONE.sub(" ", text)
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        if none.search(sentence) and any(o.search(sentence) for o in outcomes):
            return True
    return False


#: "no" that says a figure is unknown, not none: "no immediate reports of casualties".
_UNKNOWN_NONE = re.compile(
    r"\bno\s+(?:immediate\s+|further\s+|official\s+|exact\s+|precise\s+|casualty\s+)?"
    r"(?:reports?|word|information|details|news|figures?|confirmation|indication|mention|"
    r"numbers?|tolls?|counts?|breakdown|estimates?|statement|comment)\b",
    re.IGNORECASE,
)


def _check_nested_parties(ds: Dataset, report: _Report) -> None:
    """One article's "security forces" and another's "soldiers" may be the same dead: rule
    5's largest figure is taken per party, so coded under two parties they were added. A
    row of ``iraqi_security_forces`` beside another source's row of a federal branch
    (:data:`~kirkuk_analysis.analysis.IRAQI_FORCES`), for one incident and outcome, is
    named unless the incident's notes name ``iraqi_security_forces`` (distinct dead)."""
    from kirkuk_analysis.analysis import IRAQI_FORCES

    cas = ds.casualties
    notes = dict(
        zip(
            ds.incidents["incident_id"].astype(str),
            ds.incidents["notes"].fillna("").astype(str)
            if "notes" in ds.incidents
            else [""] * len(ds.incidents),
            strict=True,
        )
    )
    branch: dict[tuple[str, str], dict[str, str]] = {}  # (incident, outcome) -> source -> party
    for iid, outcome, party, source in zip(
        cas["incident_id"].astype(str), cas["outcome"].astype(str), cas["party"].astype(str),
        cas["source_id"].astype(str), strict=True,
    ):  # fmt: skip
        if party in IRAQI_FORCES and party != "iraqi_security_forces":  # a branch
            branch.setdefault((iid, outcome), {}).setdefault(source, party)
    for row, r in _rows(cas[["incident_id", "outcome", "party", "source_id"]]):
        if str(r["party"]) != "iraqi_security_forces":
            continue
        iid, outcome, source = str(r["incident_id"]), str(r["outcome"]), str(r["source_id"])
        # another source's branch, or this one's ("four security force members, including
        # two soldiers": the two are among the four)
        others = dict(branch.get((iid, outcome), {}))
        if others and "iraqi_security_forces" not in notes.get(iid, ""):
            (other, party), *_ = sorted(others.items())
            report.add(
                "casualties",
                row,
                "party",
                f"{iid}'s {outcome} are iraqi_security_forces here and {party} in a row of "
                f"{other}: "
                f"if they are the same dead, code both as {party} (the largest is then "
                "taken, never the sum); if they are others, say so in the incident's notes, "
                "naming iraqi_security_forces",
            )


#: The words that tie a number to an outcome when they stand right before it ("killed
#: two", "wounding about four") or after it in its clause ("four soldiers were wounded");
#: words shared by outcomes ("casualties", "shot") tie it to none.
_BINDING = {
    "killed": r"kill\w*|dead|died|slain|martyr\w*|lives|life",
    "wounded": r"wound\w*|injur\w*|hurt",
    "captured": r"captur\w*|arrest\w*|detain\w*|abduct\w*|kidnap\w*",
}
#: Words that may stand between a verb and its number: "killed about 10", "the three".
_BETWEEN = (
    r"(?:(?:at least|more than|about|around|some|nearly|almost|roughly|approximately|up to|"
    r"the|all|all of the|another|an estimated)\s+)*"
)
_BOUND_BEFORE = {
    o: re.compile(rf"\b(?:{w})\s+{_BETWEEN}$", re.IGNORECASE) for o, w in _BINDING.items()
}
_BOUND_IN = {o: re.compile(rf"\b(?:{w})\b", re.IGNORECASE) for o, w in _BINDING.items()}
#: Where a number's clause ends: punctuation, or a joint before another verb's part.
_CLAUSE_END = re.compile(r"[,;.:!?\u2013\u2014]|\b(?:and|or|but|while|whereas)\b\s+(?!(?:" +
                         "|".join(_BINDING.values()) + r")\b)", re.IGNORECASE)  # fmt: skip


def _other_outcome(words: str, said: list, outcome: str) -> list[bool]:
    """For each number of ``said`` (:func:`kirkuk_analysis.counts.stated` of ``words``):
    whether it is tied to outcomes other than ``outcome`` only, by the verb right before it
    ("wounded four", "wounding about four") or by the words after it in its own clause
    ("four were wounded"; "killed or wounded" ties it to both).

    >>> w = "killed two soldiers and wounded four"
    >>> _other_outcome(w, counts.stated(w), "killed")
    [False, True]
    >>> w = "Four people were killed or wounded"
    >>> _other_outcome(w, counts.stated(w), "wounded")
    [False]
    >>> w = "killed about 10 people and wounded 30"
    >>> _other_outcome(w, counts.stated(w), "killed")
    [False, True]
    """
    starts = sorted(s.start for s in said if s.start >= 0)
    out = []
    for s in said:
        if s.start < 0 or outcome not in _BINDING:
            out.append(False)
            continue
        later = [x for x in starts if x > s.start]
        rest = words[s.end : later[0] if later else len(words)]
        end = _CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        ties = {
            o
            for o in _BINDING
            if _BOUND_BEFORE[o].search(words, 0, s.start) or _BOUND_IN[o].search(clause)
        }
        out.append(bool(ties) and outcome not in ties)
    return out


def _figure_against_words(r: dict, words: str) -> tuple[str, str] | None:
    """(column, reason) where a casualty row's figures are not what its excerpt ``words``
    states (:mod:`kirkuk_analysis.counts`), or None: a figure it does not give, a floor
    closed by ``high``, a range given a ``best``. 0 is the none-words' rule; 1 may be said
    by a singular alone ("killed a soldier"), so it is not looked for."""
    figures = {
        c: int(r[c]) for c in ("low", "best", "high") if not pd.isna(r[c]) and float(r[c]) % 1 == 0
    }
    said = counts.stated(words)
    # a number that counts another outcome ("wounded four" beside a killed row) is no part
    # of this row's figure: "killed two soldiers and wounded four" gives no 6. (Said alone,
    # it still passes: which number is whose rests on the curator's reading.)
    outcome = _text(r.get("outcome")) or _text(r.get("metric"))
    keep = [not other for other in _other_outcome(words, said, outcome)]
    given = ", ".join(repr(s.words) for s in said) or "no number"
    # Without a number in its words the excerpt counts by nouns ("a father and son"): a
    # figure is then not looked for. With one, a figure may also add up what it states
    # ("two soldiers and an officer": 2 + 1), never more.
    makes = counts.sums(words, keep) | {x.value for x in said} if said else set()
    makes |= {v for lo, hi, _ in counts.ranges(words) for v in (lo, hi)}  # "two and three thousand"
    for column, value in figures.items():
        if said and value > 1 and value not in makes:
            return column, (
                f"{value} is not a figure {words!r} gives (it gives {given}): a count is "
                "what the article says, or what its counts add up to; quote the words that "
                "give it"
            )
    low = figures.get("low", figures.get("best"))
    if "high" in figures and low is not None:
        as_floor = [s for s in said if s.value == low and s.floor]
        if as_floor and not any(s.value == low and not s.floor for s in said):
            return "high", (
                f"{figures['high']} closes a figure the excerpt gives only as a floor "
                f"({as_floor[0].words!r}): low = best = {low}, high empty (codebook §4 rules "
                "2 and 3)"
            )
    vague = [s for s in said if s.value == low and s.words.lower() in counts.VAGUE_FLOORS]
    if vague and "best" in figures and all(s in vague for s in said if s.value == low):
        return "best", (
            f"{vague[0].words!r} gives low {low} only, best and high empty (codebook §4 rule 3)"
        )
    point = set(figures.values())
    for lo, hi, text in counts.ranges(words):
        # one end of a range given as the count ("between three and five" as 5, 5, 5), where
        # the excerpt says that number nowhere else
        if len(point) == 1 and (value := next(iter(point))) in (lo, hi) and lo != hi:
            if sum(s.value == value for s in said) == 1:
                return min(figures, key=["low", "best", "high"].index), (
                    f"{value} is one end of the range the excerpt gives ({text!r}): a range "
                    f"is low {lo} and high {hi}, best empty (codebook §4 rule 3)"
                )
    if "best" in figures:
        for lo, hi, text in counts.ranges(words):
            if figures.get("low") == lo and figures.get("high") == hi:
                return "best", (
                    f"{figures['best']} in the range the excerpt gives ({text!r}): a range "
                    f"is low {lo} and high {hi}, best empty (codebook §4 rule 3)"
                )
    return None


def check_places(ds: Dataset) -> list[Problem]:
    """Check each place's point against its province: inside (or within about 2 km of) that
    governorate's polygon of the shipped boundaries (:mod:`kirkuk_analysis.boundaries`), or
    ``notes`` naming the polygon that holds it ("the Erbil polygon": a place coded by its
    de jure governorate, drawn in another, codebook §6). Swapped or mistyped coordinates,
    and a wrong province, are caught here.

    >>> from kirkuk_analysis import load
    >>> check_places(load())
    []
    """
    report = _Report(ds)
    for row, r in _rows(ds.places[["lon", "lat", "province", "notes"]]):
        if pd.isna(r["lon"]) or pd.isna(r["lat"]) or pd.isna(r["province"]):
            continue
        lon, lat, province = float(r["lon"]), float(r["lat"]), str(r["province"])
        near = boundaries.near_governorates(lon, lat)
        if province in near:
            continue
        holder = near[0] if near else ""
        if holder and f"{holder} polygon" in _text(r["notes"]):
            continue
        if (province, holder) in boundaries.KNOWN_DIFFERENCES and (
            boundaries.distance_to(province, lon, lat) <= boundaries.KNOWN_DIFFERENCE_DEG
        ):  # the shipped map's own difference from the federal one (codebook §6)
            continue
        where = f"in the {holder} polygon" if holder else "in no governorate polygon"
        reason = (
            f"({lat}, {lon}) lies {where} of the shipped Natural Earth boundaries, not in "
            f"{province}'s: check the coordinates and the province"
        )
        if holder:
            reason += (
                f"; a place de jure in {province} that the map draws there says "
                f"'{holder} polygon' in notes (codebook §6)"
            )
        report.add("places", row, "lat", reason)
    return report.problems


def check_duplicates(ds: Dataset) -> list[Problem]:
    """Check that two incidents that may be one attack are said to be distinct: the later
    row's ``notes`` (or the earlier's) name the other's id. They may be one when different
    articles report them, both attacks (or both arrests) on one target, their dates overlap
    or lie a day apart (outlets disagree on the day: "Sunday", "Monday") and they are at
    one place, or one of them is placed only to a province and the other lies in it. (One
    article telling two attacks apart is believed, unless it is one row entered twice: the
    same dates, place, event type, target and summary.) A second outlet's report of an attack
    already in the tables belongs under that incident, as casualty rows with its own source
    (codebook §4 rule 5); entered as a new incident, its dead were counted twice.

    >>> from kirkuk_analysis import load
    >>> check_duplicates(load())
    []
    """
    report = _Report(ds)
    inc = ds.incidents
    province = dict(zip(ds.places.place_id, ds.places.province.astype(str), strict=True))
    kind = dict(zip(ds.places.place_id, ds.places.kind.astype(str), strict=True))
    day = pd.Timedelta(days=1)
    rows = list(
        zip(
            inc["incident_id"].astype(str),
            inc["place_id"].astype(str),
            inc["date_start"],
            inc["date_end"],
            inc["notes"].fillna("").astype(str) if "notes" in inc else [""] * len(inc),
            strict=True,
        )
    )
    # an attack and an arrest are never one event, whatever two outlets call the attack;
    # one article tells its own attacks apart, and one on other targets is another attack
    attack = inc["event_type"].isin(ds.vocab.attack_types).to_numpy()
    source = _incident_sources(ds)
    target = inc["target"].astype(str).to_numpy()
    event = inc["event_type"].astype(str).to_numpy()
    summary = [" ".join(_text(t).lower().split()) for t in inc["summary"]]

    def same_target(a: str, b: str) -> bool:
        from kirkuk_analysis.analysis import IRAQI_FORCES

        generic = "iraqi_security_forces"
        return (
            a == b or (a == generic and b in IRAQI_FORCES) or (b == generic and a in IRAQI_FORCES)
        )

    def same_area(a: str, b: str) -> bool:
        return a == b or (
            province.get(a) == province.get(b) and "province" in (kind.get(a), kind.get(b))
        )

    by_province: dict[str | None, list[int]] = {}
    for row, (_, place, *_rest) in enumerate(rows):
        by_province.setdefault(province.get(place), []).append(row)
    for positions in by_province.values():
        for later_at, row in enumerate(positions):
            iid, place, start, end, notes = rows[row]
            for earlier in positions[:later_at]:
                other, o_place, o_start, o_end, o_notes = rows[earlier]
                if source[row] == source[earlier]:
                    if (
                        source[row] != ""  # an article known (no casualty rows: none)
                        and (place, start, end) == (o_place, o_start, o_end)
                        and event[row] == event[earlier]
                        and target[row] == target[earlier]
                        and summary[row] == summary[earlier]
                        and not (_names(notes, other) or _names(o_notes, iid))
                    ):  # one article's attack entered twice (a copied row)
                        report.add(
                            "incidents",
                            row,
                            "summary",
                            f"{iid} repeats {other} (the same article, dates, place, event "
                            f"type, target and summary): delete the copy, or, if the article "
                            f"tells two attacks, say in the summary how they differ and name "
                            f"{other} in notes",
                        )
                    continue
                if (
                    attack[row] != attack[earlier]
                    or not same_target(target[row], target[earlier])
                    or not same_area(place, o_place)
                ):
                    continue
                if pd.isna(start) or pd.isna(o_start):
                    continue
                if start > o_end + day or o_start > end + day:
                    continue
                if _names(notes, other) or _names(o_notes, iid):
                    continue
                where = "at the same place" if place == o_place else "in the same province"
                report.add(
                    "incidents",
                    row,
                    "notes",
                    f"{iid} and {other} are {where} on dates a day apart at most: if it is "
                    f"{other} reported again, enter its figures as casualty rows of {other} "
                    f"with this source; if they are distinct attacks, name {other} in notes",
                )
    return report.problems


def _incident_sources(ds: Dataset) -> np.ndarray:
    """Each incident's article: its ``source_id``, or, in a package whose incidents table
    has only the contract's columns, the articles of its casualty rows ("a;b"; "" for
    none)."""
    inc = ds.incidents
    if "source_id" in inc.columns:
        return inc["source_id"].astype(str).to_numpy()
    by = _casualty_sources(ds)
    return np.array([";".join(sorted(by.get(i, ()))) for i in inc["incident_id"].astype(str)])


def _casualty_sources(ds: Dataset) -> dict[str, set[str]]:
    """incident_id -> the source_ids of its casualty rows."""
    by: dict[str, set[str]] = {}
    for iid, sid in zip(
        ds.casualties["incident_id"].astype(str), ds.casualties["source_id"].astype(str),
        strict=True,
    ):  # fmt: skip
        by.setdefault(iid, set()).add(sid)
    return by


def _names(text: str, identifier: str) -> bool:
    """Whether ``text`` names ``identifier`` as a whole word ("I13", not inside "I130")."""
    return re.search(rf"(?<![\w-]){re.escape(identifier)}(?![\w-])", text) is not None


def check_ids(ds: Dataset) -> list[Problem]:
    """Identifiers withdrawn (``retired_ids`` in ``datapackage.json``) are not used again.

    >>> from kirkuk_analysis import load
    >>> check_ids(load())
    []
    """
    report = _Report(ds)
    retired = ds.package.get("retired_ids") or {}
    keys = {"incidents": "incident_id", "coordination": "step_id", "claims": "claim_id"}
    for table, column in keys.items():
        gone = set(retired.get(table, []))
        if not gone:
            continue
        for row, value in enumerate(getattr(ds, table)[column].astype(str)):
            if value in gone:
                report.add(
                    table,
                    row,
                    column,
                    f"{value} was withdrawn (retired_ids in datapackage.json) and is never "
                    "used again: take `kirkuk-analysis next-id`",
                )
    return report.problems


def check_overlaps(ds: Dataset) -> list[Problem]:
    """Check that each claim's ``overlaps`` names exactly what it includes.

    Every listed incident must lie in the claim's period and province, and have a figure the
    claim counts (its metric's outcomes and its parties) unless it has no figure of those
    outcomes at all (its dead are given only within the total); every incident of the
    claim's own article that it can include must be listed, or a reader would count its
    dead twice. A claim whose total is *smaller* than its incidents is not a problem
    here: it is a contradiction between sources, recorded and shown
    (:func:`kirkuk_analysis.analysis.claims_summary`).

    >>> from kirkuk_analysis import load
    >>> check_overlaps(load())
    []
    """
    from kirkuk_analysis.analysis import CLAIM_OUTCOMES, claim_figures

    report = _Report(ds)
    inc = ds.incidents.set_index("incident_id", drop=False)
    province = dict(zip(ds.places.place_id, ds.places.province.astype(str), strict=True))
    place_kind = dict(zip(ds.places.place_id, ds.places.kind.astype(str), strict=True))
    figures = claim_figures(ds)
    counted = figures.groupby("claim_id", sort=False)["incident_id"].agg(set).to_dict()
    cas = ds.casualties
    with_figures = {
        outcomes: set(cas.incident_id[cas.outcome.isin(outcomes)].astype(str))
        for outcomes in CLAIM_OUTCOMES.values()
    }
    for row, claim in _rows(ds.claims):
        cid = claim["claim_id"]
        listed = [i for i in _text(claim["overlaps"]).split(";") if i]
        twice = sorted({i for i in listed if listed.count(i) > 1})
        if twice:
            report.add("claims", row, "overlaps", f"lists {', '.join(twice)} more than once")
        lo = None if pd.isna(claim["period_start"]) else pd.Timestamp(claim["period_start"])
        hi = None if pd.isna(claim["period_end"]) else pd.Timestamp(claim["period_end"])
        where = province.get(_text(claim["place_id"])) if _text(claim["place_id"]) else None
        metric = _text(claim["metric"])

        def fits(iid: str, lo=lo, hi=hi, where=where) -> str | None:
            """Why incident ``iid`` cannot be part of this claim, or None."""
            i = inc.loc[iid]
            if hi is not None and i.date_start > hi or lo is not None and i.date_end < lo:
                return (
                    f"{iid} ({_day(i.date_start)}..{_day(i.date_end)}) is outside the claim's "
                    f"period ({_day(lo) or 'open'}..{_day(hi)})"
                )
            if where is not None and province.get(str(i.place_id)) != where:
                return f"{iid} is in {province.get(str(i.place_id))}, the claim in {where}"
            return None

        if metric not in CLAIM_OUTCOMES:
            if listed:
                report.add(
                    "claims",
                    row,
                    "overlaps",
                    f"a claim of metric {metric!r} counts no casualties, so it includes no "
                    "incident's "
                    "figures: leave overlaps empty",
                )
            continue
        can = counted.get(cid, set())
        party = _text(claim["party"]) or "any party"
        outcomes = CLAIM_OUTCOMES[metric]
        for iid in listed:
            if iid not in inc.index:
                continue  # load() reports unknown ids
            # An incident with no figure of these outcomes at all may be part of the claim:
            # the article gives its dead only within the total. One whose figures are all
            # for other parties cannot be.
            if iid not in can and iid in with_figures[outcomes]:
                report.add(
                    "claims",
                    row,
                    "overlaps",
                    f"{iid} has {'/'.join(outcomes)} figures, but none for {party}, so the "
                    "claim cannot include it",
                )
            elif (why := fits(iid)) is not None:
                report.add("claims", row, "overlaps", why)
        # the incidents its own article reports: its own, and those it gives figures for
        source = _text(claim["source_id"])
        own = set(cas.incident_id[cas.source_id.astype(str) == source].astype(str))
        if "source_id" in inc.columns:  # a column the contract's tables need not have
            own |= set(inc[inc.source_id.astype(str) == source].incident_id.astype(str))
        claim_place = _text(claim["place_id"])
        wide = not claim_place or place_kind.get(claim_place) in ("province", "region")
        for iid in sorted(own & can - set(listed)):
            # a claim placed at a town covers that town only; one whose notes say it
            # excludes the incident ("in addition to Tuesday's attack") leaves it out
            here = wide or str(inc.loc[iid].place_id) == claim_place
            excluded = re.search(
                rf"\bexclud\w*\b[^.]*\b{re.escape(iid)}\b", _text(claim.get("notes"))
            )
            if here and not excluded and fits(iid) is None:
                given = cas[(cas.incident_id.astype(str) == iid) & cas.outcome.isin(outcomes)]
                by = ", ".join(sorted(set(given.source_id.astype(str))))
                report.add(
                    "claims",
                    row,
                    "overlaps",
                    f"{iid} (reported by the claim's own article {source}, in the claim's "
                    f"period and place, with {metric} of {party} given by {by}) is not "
                    "listed: a reader would count its figures twice",
                )
    return report.problems


# --------------------------------------------------------------------------------------
# The articles


def _article_texts(ds: Dataset, folder: Path, report: _Report) -> dict[str, str | None]:
    """source_id -> the normalised article text (None where it cannot be read)."""
    texts: dict[str, str | None] = {}
    for row, src in _rows(ds.sources):
        sid, document = str(src["source_id"]), _text(src["document"])
        path = folder / document
        texts[sid] = None
        if not document or not path.is_file():
            report.add("sources", row, "document", f"no file {document!r} in {folder}")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.add("sources", row, "document", f"{document} cannot be read: {exc.strerror}")
            continue
        digest = hashlib.sha256(data).hexdigest()
        expected = _text(src.get("sha256"))
        if digest != expected:
            report.add(
                "sources",
                row,
                "sha256",
                f"{document} has SHA-256 {digest}, not {expected or 'an empty cell'}: "
                "either the sha256 cell was mistyped, or the article is not the text the rows "
                "were coded from (`sha256sum FILE` prints the file's hash)",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.add("sources", row, "document", f"{document} is not UTF-8 text ({exc.reason})")
            continue
        texts[sid] = normalise(text)
        basis = _text(src["published_basis"])
        published = pd.Timestamp(src["published"]).date()
        if basis == "printed" and published not in dates.printed_dates(text):
            seen = ", ".join(sorted(d.isoformat() for d in dates.printed_dates(text)))
            report.add(
                "sources",
                row,
                "published",
                f"{published} is marked printed, but {document} does not print it in any "
                f"recognised form (dates it prints: {seen or 'none'}); mark it inferred "
                "and explain in notes",
            )
    return texts


def check_sources(ds: Dataset) -> list[Problem]:
    """Problems of ``sources.csv`` that need no article: a publication date in the future,
    an inferred date or a missing url that notes do not explain.

    >>> from kirkuk_analysis import load
    >>> check_sources(load())
    []
    """
    report = _Report(ds)
    today = date.today()
    for row, src in _rows(ds.sources):
        notes = _text(src.get("notes")).strip()
        if not pd.isna(src["published"]) and pd.Timestamp(src["published"]).date() > today:
            report.add("sources", row, "published", f"{src['published']:%Y-%m-%d} is in the future")
        if _text(src["published_basis"]) == "inferred" and not notes:
            report.add(
                "sources",
                row,
                "notes",
                "published_basis is 'inferred', so notes must say how the date was worked out",
            )
        if not _text(src.get("url")).strip() and not notes:
            report.add(
                "sources",
                row,
                "url",
                "no url: give the article's public address, or say in notes why none is known",
            )
    return report.problems


def _check_evidence(ds: Dataset, texts: dict[str, str | None], report: _Report) -> None:
    for table in TABLES:
        frame = getattr(ds, table)
        if "evidence" not in frame.columns or "source_id" not in frame.columns:
            continue
        for row, (sid, excerpt) in enumerate(
            zip(frame.source_id.astype(str), frame.evidence, strict=True)
        ):
            words = normalise(_text(excerpt))
            if len(words) < EVIDENCE_MIN_CHARS:
                report.add(
                    table,
                    row,
                    "evidence",
                    f"missing or shorter than {EVIDENCE_MIN_CHARS} characters: "
                    "an excerpt that short proves nothing",
                )
                continue
            text = texts.get(sid)
            if text is None:
                report.add(table, row, "source_id", f"{sid!r} has no readable article")
            elif words not in text:
                report.add(
                    table,
                    row,
                    "evidence",
                    f"not verbatim in the article of {sid}: {_first_difference(words, text)}",
                )


def _row_sources(ds: Dataset, table: str) -> list[set[str]]:
    """Each row's articles: its ``source_id``; for an incident without that column (the
    contract's columns alone), or beside it, the articles of its casualty rows too."""
    frame = getattr(ds, table)
    own = (
        frame["source_id"].astype(str).tolist()
        if "source_id" in frame.columns
        else [""] * len(frame)
    )
    if table != "incidents":
        return [{sid} for sid in own]
    cited = _casualty_sources(ds)
    return [
        ({sid} - {""}) | cited.get(iid, set())
        for iid, sid in zip(frame["incident_id"].astype(str), own, strict=True)
    ]


def _check_phrases(ds: Dataset, texts: dict[str, str | None], report: _Report) -> None:
    """A date phrase is the article's own words for the date (codebook §3), so that anyone
    can re-derive the date from it: each non-empty ``date_phrase`` (``period_phrase``)
    must stand in an article of its row, in any case ("On Sunday" at a sentence's start is
    "on Sunday"). A phrase written to match a wrong date would otherwise pass the dates'
    re-derivation."""
    for table, (_, _, _, column) in _DATED.items():
        frame = getattr(ds, table)
        if column not in frame.columns:
            continue
        for row, (phrase, sources) in enumerate(
            zip(frame[column], _row_sources(ds, table), strict=True)
        ):
            words = _dashes(normalise(_text(phrase)).lower())
            readable = [texts[s] for s in sorted(sources) if texts.get(s) is not None]
            if not words or not readable:
                continue
            # whole words ("on May 2" is not in "on May 21"), any case, any dash
            whole = re.compile(rf"(?<!\w){re.escape(words)}(?!\w)")
            if any(whole.search(_dashes(t.lower())) for t in readable):
                continue
            report.add(
                table,
                row,
                column,
                f"{_text(phrase)!r} is not in the article of {', '.join(sorted(sources))}: a "
                "date phrase is the article's own words for the date, quoted; where it prints "
                "none, leave the phrase empty, set date_basis to inferred and explain the date "
                "in notes",
            )


def _dashes(text: str) -> str:
    """``text`` with every dash a hyphen: a phrase typed "29 April-2 May" is the article's
    "29 April\u20132 May"."""
    return re.sub(r"[\u2010-\u2015\u2212]", "-", text)


#: Words before a figure that make it a floor or a range's high end ("at least ", "between
#: three and ", "three to "), at the end of the article's text before an excerpt.
_CUT_BEFORE = re.compile(
    rf"(?:\b(?:{counts.FLOOR_WORDS}|up to)|\bbetween\s+{counts.NUMBER_PATTERN}\s+and"
    rf"|\b{counts.NUMBER_PATTERN}\s+(?:to|or)|\b\d{{1,3}}[-\u2013])\s*$",
    re.IGNORECASE,
)
#: Words after a figure that make it a range's low end (" to five", "-5", " or four"); a
#: dash with spaces around it is an aside ("four \u2013 two soldiers and two civilians").
_CUT_AFTER = re.compile(
    rf"^(?:\s+(?:to|or)\s+{counts.NUMBER_PATTERN}\b|\s+or\s+more\b|[-\u2013]\d)", re.IGNORECASE
)
#: A change over time ends just before the excerpt: "rose from three to " is no range.
_CHANGE_CUT = re.compile(r"\bfrom\s+\S+\s+to\s*$", re.IGNORECASE)


def _check_cut_qualifiers(ds: Dataset, texts: dict[str, str | None], report: _Report) -> None:
    """An excerpt that begins or ends on its figure must not leave out the words of its
    article that make that figure a floor or a range: "four militants were killed" cut
    from "at least four militants were killed", "five civilians were killed" from
    "between three and five civilians were killed". Verbatim, it would hide the "at
    least" that codebook §4 rules 2 and 3 code. Checked where every place the excerpt
    stands in its article is cut so."""
    for table in ("casualties", "claims"):
        frame = getattr(ds, table)
        if "evidence" not in frame.columns or "source_id" not in frame.columns:
            continue
        for row, (sid, excerpt) in enumerate(
            zip(frame["source_id"].astype(str), frame["evidence"], strict=True)
        ):
            words = normalise(_text(excerpt))
            text = texts.get(sid)
            numbers = counts.stated(words)
            if text is None or not numbers or words not in text:
                continue
            first, last = numbers[0], numbers[-1]
            leads = words.lower().startswith(first.words.lower())
            ends = words.lower().endswith(last.words.lower())
            if not (leads or ends):
                continue
            whole = []  # the article's words around each place the excerpt stands
            at = text.find(words)
            while at >= 0:
                head = max(0, at - 40)
                before = _CUT_BEFORE.search(text[head:at]) if leads else None
                if before and _CHANGE_CUT.search(text[head:at]):
                    before = None  # "the toll rose from three to four": the new figure
                tail = text[at + len(words) : at + len(words) + 20]
                after = _CUT_AFTER.match(tail) if ends else None
                if not (before or after):
                    break  # one place where it stands whole
                start = head + before.start() if before else at
                stop = at + len(words) + (after.end() if after else 0)
                whole.append(text[start:stop])
                at = text.find(words, at + 1)
            else:
                if whole:
                    report.add(
                        table,
                        row,
                        "evidence",
                        f"the article has {whole[0]!r}: the excerpt leaves out the words "
                        "that make its figure a floor or a range; quote them, and code the "
                        "figure by them (codebook §4 rules 2 and 3)",
                    )


def _first_difference(words: str, text: str) -> str:
    """Say where an excerpt leaves its article: its longest leading part that is there."""
    lo, hi = 0, len(words)
    while lo < hi:  # the longest prefix of `words` found in `text`
        mid = (lo + hi + 1) // 2
        if words[:mid] in text:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return f"{words[:60]!r} is not in it"
    return f"the article has {words[:lo][-40:]!r} but then not {words[lo : lo + 40]!r}"


def check_articles(ds: Dataset, articles: str | Path) -> list[Problem]:
    """Check ``ds`` against the article texts in the folder ``articles``.

    Each source's file (``sources.document``) must be there with the SHA-256 recorded in
    ``sources.sha256``; a date marked printed must be printed in it; every ``evidence``
    must stand verbatim in the row's article (after :func:`normalise`), as
    ``../shared/tools/check_evidence.py`` checks it; every date phrase must be the article's
    own words (:func:`_check_phrases`), and no figure's excerpt may leave out the words of
    its article that make it a floor or a range (:func:`_check_cut_qualifiers`).
    """
    folder = Path(articles)
    report = _Report(ds)
    if not folder.is_dir():
        raise FileNotFoundError(f"the articles folder {folder} does not exist")
    texts = _article_texts(ds, folder, report)
    _check_evidence(ds, texts, report)
    _check_phrases(ds, texts, report)
    _check_cut_qualifiers(ds, texts, report)
    return report.problems


def audit(
    data: str | Path | Dataset | None = None, articles: str | Path | None = None
) -> list[Problem]:
    """The full audit: every problem :func:`check_sources`, :func:`check_dates`,
    :func:`check_overlaps`, :func:`check_ids`, :func:`check_figures`, :func:`check_places`,
    :func:`check_duplicates` and (with ``articles``, the folder of article texts)
    :func:`check_articles` find, in file and line order. An empty list means the package
    passes. Only :func:`check_articles` reads the articles; the others need the tables alone
    (``kirkuk-analysis validate`` runs them without ``--articles`` too).

    ``data`` is a data package folder (``None``: the shipped one) or a loaded
    :class:`~kirkuk_analysis.Dataset`. A package that does not load raises
    :class:`~kirkuk_analysis.DataValidationError` first: the audit needs typed tables.

    >>> from kirkuk_analysis import audit
    >>> audit.audit()            # every rule but check_articles': no articles given
    []
    """
    ds = data if isinstance(data, Dataset) else load(data)
    problems = check_sources(ds) + check_dates(ds) + check_overlaps(ds) + check_ids(ds)
    problems += check_figures(ds) + check_places(ds) + check_duplicates(ds)
    if articles is not None:
        problems += check_articles(ds, articles)
    return sort_problems(ds, problems)


def sort_problems(ds: Dataset, problems: list[Problem]) -> list[Problem]:
    """``problems`` in the package's table order, then by line."""
    files = [r.get("path") for r in ds.package.get("resources", [])]

    def order(p: Problem) -> tuple[int, int]:
        return (files.index(p.file) if p.file in files else len(files), p.line)

    return sorted(problems, key=order)
