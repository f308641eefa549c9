"""Words and reader tables for the notebooks and the PDF brief, computed from a Dataset.

Every number a reader sees in the brief's prose comes from here: the notebooks display these
results, and never type a figure by hand. All functions are pure: they take a
:class:`~kirkuk_analysis.data.Dataset` (usually one narrowed by
:func:`kirkuk_analysis.analysis.select`) and return DataFrames, Markdown or HTML strings.
Labels come from the dataset's own vocabulary (``ds.vocab``); counts from
:mod:`kirkuk_analysis.analysis` (the counting rule lives there, in one function); HTML from
the Jinja templates in ``kirkuk_analysis/templates/report/``. Figures are in
:mod:`kirkuk_analysis.plots`.

>>> import kirkuk_analysis
>>> from kirkuk_analysis import report
>>> ds = kirkuk_analysis.load()
>>> report.key_figures(ds)["incidents"] == len(ds.incidents)
True
>>> list(report.casualty_totals(ds).columns)
['killed', 'wounded', 'captured', 'open_ended']
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from kirkuk_analysis import _paths
from kirkuk_analysis.analysis import (
    _figure_codes,
    casualty_figures,
    claims_summary,
    response_lag,
    source_disagreements,
)
from kirkuk_analysis.data import require_dataset
from kirkuk_analysis.text import normalise

__all__ = [
    "CLAIMS_CAVEAT",
    "CONTEXT",
    "EMPTY_MESSAGE",
    "NO_PLACE",
    "casualty_scope",
    "casualty_totals",
    "cited_sources",
    "disagreements_sentence",
    "claim_scope",
    "claims_html",
    "claims_table",
    "coordination_html",
    "coordination_table",
    "evidence_html",
    "evidence_notes",
    "format_period",
    "format_range",
    "gap_widths_html",
    "gap_widths_table",
    "incident_bounds",
    "incident_casualties",
    "incident_ceilings",
    "incident_floors",
    "incidents_html",
    "incidents_table",
    "key_figures",
    "key_figures_html",
    "method_note",
    "monthly_html",
    "monthly_table",
    "narrative",
    "place_label",
    "recorded_span",
    "render_table",
    "response_lag_html",
    "response_lag_sentence",
    "response_lag_table",
    "selection_markdown",
    "selection_notes",
    "sources_html",
    "sources_table",
    "steps_and_context",
    "url_html",
    "selection_words",
    "where",
]

#: Shown instead of figures and tables when a selection holds no incident.
EMPTY_MESSAGE = "No incidents in this selection"

#: The phrase that always accompanies the aggregate claims.
CLAIMS_CAVEAT = "reported totals, not added to the figures above"

#: The coordination kind that is background (base handovers, statements), not a step by the
#: parties: counted apart from the steps (:func:`steps_and_context`) and never taken as the
#: step that followed an attack (:func:`response_lag_table`).
CONTEXT = "context"

_KIND_PLURALS = {
    "meeting": "meetings",
    "agreement": "agreements",
    "implementation": "implementation steps",
    "call": "public calls",
    "failure": "failures to agree",
    "context": "context items (base handovers, statements)",
}

#: A kind whose label is no countable noun, as one: "1 implementation step".
_KIND_SINGULARS = {
    "implementation": "implementation step",
    "failure": "failure to agree",
    "context": "context item",
}

_KIND_SHORT_PLURALS = {
    "meeting": "meetings",
    "agreement": "agreements",
    "implementation": "implementation steps",
    "call": "calls",
    "failure": "failures",
    "context": "context",
}

_DASH = "\u2013"
_MISSING = "\u2013"  # shown for an unknown figure (never 0)

#: Shown for a coordination step or claim without a place ("–" means an unknown figure).
NO_PLACE = "no place given"


# --------------------------------------------------------------------------------------
# Small formatting helpers


def _d(value) -> date:
    return pd.Timestamp(value).date()


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def format_range(start, end, precision: str | None = None) -> str:
    """A date range as a reader writes it.

    >>> format_range("2021-05-02", "2021-05-02")
    '2 May 2021'
    >>> format_range("2020-04-01", "2020-04-30", "month")
    'April 2020'
    >>> format_range("2021-04-29", "2021-05-02", "week")
    '29 April\u20132 May 2021'
    >>> format_range("2023-01-01", "2023-12-31", "year")
    '2023'
    """
    s, e = _d(start), _d(end)
    if s == e:
        return _day(s)
    next_day = pd.Timestamp(e) + pd.Timedelta(days=1)
    if s.day == 1 and next_day.day == 1:
        if s.month == 1 and e.month == 12 and s.year == e.year:
            return str(s.year)
        if (s.year, s.month) == (e.year, e.month):
            return f"{s:%B %Y}"
    if s.year == e.year:
        if s.month == e.month:
            return f"{s.day}{_DASH}{e.day} {e:%B %Y}"
        return f"{s.day} {s:%B}{_DASH}{e.day} {e:%B %Y}"
    return f"{_day(s)}{_DASH}{_day(e)}"


def format_period(start, end) -> str:
    """The selected period in words.

    >>> format_period("2020-01-01", "2024-12-31")
    '1 January 2020 to 31 December 2024'
    >>> format_period(None, "2021-05-02")
    'the first record to 2 May 2021'
    >>> format_period("2021-05-01", "2021-05-01")  # one day
    '1 May 2021'
    """
    first = "the first record" if start is None else _day(_d(start))
    last = "the last record" if end is None else _day(_d(end))
    return first if first == last else f"{first} to {last}"


def _over(start, end, first_word: bool = True) -> str:
    """The period as a sentence opens on it: "From 1 May 2021 to ...", or "On 1 May 2021"
    for one day, "Over all the period recorded" for no limits (lower case where it does
    not open the sentence).

    >>> _over(None, None), _over("2021-05-01", "2021-05-01", first_word=False)
    ('Over all the period recorded', 'on 1 May 2021')
    """
    if start is None and end is None:
        return f"{'O' if first_word else 'o'}ver all the period recorded"
    period = format_period(start, end)
    word = "From" if " to " in period else "On"
    return f"{word if first_word else word.lower()} {period}"


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _fmt_int(value) -> str:
    return _MISSING if pd.isna(value) else f"{int(value):,}"


def _places(ds) -> pd.DataFrame:
    return ds.places.set_index("place_id")


def place_label(ds, place_id, geo_precision=None) -> str:
    """A place as a reader knows it: name and province; "near" when only approximately there.

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> place_label(ds, "altun-kopri", 2)
    'near Altun Kopri (Prde), Kirkuk'
    >>> place_label(ds, "kirkuk-province", 3)
    'Kirkuk province'
    """
    require_dataset(ds, "place_label")
    if place_id is None or pd.isna(place_id):
        return "not given"
    places = ds.places
    # found in a plain list, read with .iat: set_index() and .loc took 2 ms, and tables and
    # figures label every row
    try:
        at = places["place_id"].tolist().index(place_id)
    except ValueError:
        raise KeyError(place_id) from None
    name, kind, province = (str(places[c].iat[at]) for c in ("name", "kind", "province"))
    label = name
    if kind == "city" and label == province:
        label += " city"
    elif kind != "province":
        label += f", {province}"
    if geo_precision is not None and not pd.isna(geo_precision) and int(geo_precision) == 2:
        label = "near " + label
    return label


def _party(ds, p) -> str:
    return ds.vocab.label("party", p)


def _kind(ds, kind, n: int = 1, short: bool = False) -> str:
    """A coordination kind as a noun, plural when ``n`` is not 1 ("3 public calls")."""
    if n == 1:
        return _KIND_SINGULARS.get(str(kind), ds.vocab.label("kind", kind))
    plurals = _KIND_SHORT_PLURALS if short else _KIND_PLURALS
    return plurals.get(str(kind), ds.vocab.label("kind", kind) + "s")


# --------------------------------------------------------------------------------------
# Figures


def incident_casualties(ds) -> pd.DataFrame:
    """Casualties per incident, party and outcome, as counted by
    :func:`kirkuk_analysis.analysis.casualty_figures` (the largest figure over the sources).

    Columns ``incident_id``, ``party``, ``outcome``, ``best`` (that figure), ``open_ended``
    (True where it is a floor, "at least N"). Rows with no figure at all are dropped.

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> t = incident_casualties(ds)
    >>> list(t.columns)
    ['incident_id', 'party', 'outcome', 'best', 'open_ended']
    >>> bool(t.duplicated(["incident_id", "party", "outcome"]).any())  # one figure each
    False
    """
    require_dataset(ds, "incident_casualties")
    fig = _figure_rows(ds)
    known = ~np.isnan(fig.figure)
    rows = np.flatnonzero(known).tolist()
    return pd.DataFrame(
        {
            "incident_id": np.array([fig.incident_id[i] for i in rows], dtype=object),
            "party": np.array([fig.party[i] for i in rows], dtype=object),
            "outcome": np.array([fig.outcome[i] for i in rows], dtype=object),
            "best": fig.figure[known].astype("int64"),
            "open_ended": fig.open_ended[known],
        }
    )


class _FigureRows:
    """:func:`kirkuk_analysis.analysis.casualty_figures`' rows as plain lists and arrays."""

    __slots__ = ("incident_id", "party", "outcome", "figure", "high", "open_ended")

    def __init__(self, incident_id, party, outcome, figure, high, open_ended):
        self.incident_id, self.party, self.outcome = incident_id, party, outcome
        self.figure, self.high, self.open_ended = figure, high, open_ended


def _figure_rows(ds) -> _FigureRows:
    """The rows of :func:`kirkuk_analysis.analysis.casualty_figures` (the counting rule of
    :func:`kirkuk_analysis.analysis._figure_codes`, in its order), without the frame:
    ``incident_id``, ``party``, ``outcome`` as lists of text, ``figure`` and ``high`` as
    float arrays (NaN unknown), ``open_ended`` as a bool array. The helpers below count a
    selection's tens of figures with them: pandas' per-call overhead was most of their cost.
    """
    codes = _figure_codes(ds)
    figure, high = codes.figure, codes.high
    for values in (figure, high):  # not whole numbers (a hand-made frame): refused as
        known = values[~np.isnan(values)]  # casualty_figures refuses them
        if not np.array_equal(known, np.floor(known)):
            casualty_figures(ds)
    ids = ds.incidents["incident_id"].to_numpy()[codes.position].tolist()
    parties = [str(p) for p in ds.vocab.parties]
    outcomes = [str(o) for o in ds.vocab.outcomes]
    return _FigureRows(
        [str(i) for i in ids],
        [parties[c] for c in codes.party.tolist()],
        [outcomes[c] for c in codes.outcome.tolist()],
        figure,
        high,
        np.asarray(codes.open_ended, dtype=bool),
    )


def unnumbered(ds) -> set[tuple[str, str]]:
    """The (party, outcome) pairs of which an incident of ``ds`` reports casualties without
    a number ("several police officers were wounded": a casualty row with no figure). A
    total of such a pair adds up only the incidents that give one, so it is a floor.

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> rows = zip(ds.casualties.party, ds.casualties.outcome)
    >>> unnumbered(ds) <= {(str(p), str(o)) for p, o in rows}
    True
    """
    return _unnumbered(_figure_rows(ds))


def _unnumbered(fig: _FigureRows) -> set[tuple[str, str]]:
    """:func:`unnumbered` of the rows of :func:`_figure_rows`."""
    missing = np.flatnonzero(np.isnan(fig.figure)).tolist()
    return {(fig.party[i], fig.outcome[i]) for i in missing}


def casualty_totals(ds) -> pd.DataFrame:
    """Killed, wounded and captured by party over the incidents of ``ds``.

    Index: party (in the vocabulary's order), the parties with a casualty row. Columns
    ``killed``, ``wounded``, ``captured`` (nullable integers: missing where no source
    gives that figure for that party, never 0) and ``open_ended`` (True where a total is a
    floor: it includes an "at least" figure, or an incident reports that party's
    casualties without a number, :func:`unnumbered`). A final row ``total`` sums the
    parties.

    >>> import kirkuk_analysis
    >>> t = casualty_totals(kirkuk_analysis.load())
    >>> t.index[-1], bool(t.loc["total", "killed"] == t.drop(index="total").killed.sum())
    ('total', True)
    """
    require_dataset(ds, "casualty_totals")
    fig = _figure_rows(ds)
    cols = list(ds.vocab.outcomes)
    # Summed in plain Python: a selection has tens of figures, and pandas' pivot_table took
    # 30-50 ms a call for them (a brief calls this several times).
    sums: dict[tuple[str, str], int] = {}
    open_ended: dict[str, bool] = {}
    for party, outcome, best, floor in zip(
        fig.party, fig.outcome, fig.figure.tolist(), fig.open_ended.tolist(), strict=True
    ):
        if best == best:  # not NaN: a figure
            sums[party, outcome] = sums.get((party, outcome), 0) + int(best)
            open_ended[party] = open_ended.get(party, False) or bool(floor)
    for party, _ in _unnumbered(fig):  # some of its casualties have no number: a floor
        open_ended[party] = True
    order = [p for p in ds.vocab.parties if p in open_ended]
    rows = order + ["total"] if order else []
    columns: dict = {}
    for c in cols:
        values = [sums.get((p, c)) for p in order]
        known = [v for v in values if v is not None]
        total = sum(known) if known else None
        columns[c] = pd.array(values + [total] if order else [], dtype="Int64")
    columns["open_ended"] = np.array(
        [open_ended[p] for p in order] + [any(open_ended.values())] if order else [], dtype=bool
    )
    # the index is text as pandas infers it, and an empty one has no dtype to infer
    index = pd.Index(rows, dtype="str" if rows else object, name="party")
    return pd.DataFrame(columns, index=index)


def _attacks(ds) -> pd.DataFrame:
    return ds.incidents[ds.incidents["event_type"].isin(ds.vocab.attack_types)]


def key_figures(ds) -> dict:
    """The headline figures of a selection, as plain Python values.

    Keys: ``incidents``, ``attacks``, ``arrests``, ``killed``, ``wounded``, ``captured``
    (``None`` when the incidents give no figure, and when there is no incident: the articles
    recording none is not a count of 0),
    ``provinces`` (sorted), ``coordination_steps``, ``coordination_by_kind`` (kind -> count,
    non-zero only), ``claims``, ``sources``.
    ``arrests`` counts the incidents that are not attacks (``ds.vocab.attack_types``).

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> kf = key_figures(ds)
    >>> kf["incidents"] == kf["attacks"] + kf["arrests"] == len(ds.incidents)
    True
    >>> kf["coordination_steps"] == sum(kf["coordination_by_kind"].values())
    True
    """
    require_dataset(ds, "key_figures")
    inc = ds.incidents
    totals = casualty_totals(ds)
    province_of = dict(
        zip(ds.places["place_id"].astype(str), ds.places["province"].astype(str), strict=True)
    )
    provinces = sorted({province_of[p] for p in inc["place_id"].astype(str)})
    kinds = Counter(str(k) for k in ds.coordination["kind"].tolist())
    by_kind = {k: kinds[k] for k in ds.vocab.kinds if kinds.get(k, 0)}

    attacks = int(len(_attacks(ds)))

    def total(outcome):
        # no incident recorded is no figure given: the articles are no complete event list,
        # and a headline "0 killed" would read as a count of none
        if inc.empty or "total" not in totals.index or pd.isna(totals.loc["total", outcome]):
            return None
        return int(totals.loc["total", outcome])

    return {
        "incidents": int(len(inc)),
        "attacks": attacks,
        "arrests": int(len(inc) - attacks),
        "killed": total("killed"),
        "wounded": total("wounded"),
        "captured": total("captured"),
        "provinces": provinces,
        "coordination_steps": int(len(ds.coordination)),
        "coordination_by_kind": by_kind,
        "claims": int(len(ds.claims)),
        "sources": int(len(ds.sources)),
    }


# --------------------------------------------------------------------------------------
# Tables (DataFrames for notebooks; HTML with classes the brief's template styles)


#: The order the reader tables show each table's rows in: by date (ids are in order of
#: entry, not of date), then by id.
_ORDER = {
    "incidents": ["date_start", "incident_id"],
    "coordination": ["date_start", "step_id"],
    "claims": ["period_end", "claim_id"],
}


def _in_order(ds, table: str) -> pd.DataFrame:
    """``ds``'s ``table`` in the order its reader table shows it (:data:`_ORDER`)."""
    return getattr(ds, table).sort_values(_ORDER[table])


def outcome_columns(ds) -> list[str]:
    """The outcomes the Incidents table gives a column: killed and wounded always, and each
    other outcome (captured) that some incident of ``ds`` has a row for, in the
    vocabulary's order.

    >>> import kirkuk_analysis
    >>> outcome_columns(kirkuk_analysis.load())[:2]
    ['killed', 'wounded']
    """
    present = set(ds.casualties["outcome"].astype(str))
    return [o for o in ds.vocab.outcomes if o in ("killed", "wounded") or o in present]


def incidents_table(ds) -> pd.DataFrame:
    """One row per incident, in date order: Date, Place, What happened, Killed, Wounded,
    and Captured where some incident has a captured row (:func:`outcome_columns`).

    Each figure adds up all parties (attackers included, rule 6); missing where the
    article gives no figure.

    >>> import kirkuk_analysis
    >>> t = incidents_table(kirkuk_analysis.load())
    >>> list(t.columns)[:6]
    ['ID', 'Date', 'Place', 'What happened', 'Killed', 'Wounded']
    """
    require_dataset(ds, "incidents_table")
    inc = _in_order(ds, "incidents")
    per = incident_casualties(ds)
    # summed in plain Python: pandas' pivot_table cost more than the rest of the table
    sums: dict[tuple[str, str], int] = {}
    for i, o, best in zip(per["incident_id"], per["outcome"], per["best"].tolist(), strict=True):
        sums[i, o] = sums.get((i, o), 0) + best
    ids = inc["incident_id"].astype(str)
    out = pd.DataFrame(
        {
            "ID": ids.to_numpy(),
            "Date": [
                format_range(s, e, str(p))
                for s, e, p in zip(
                    inc["date_start"], inc["date_end"], inc["date_precision"], strict=True
                )
            ],
            "Place": [
                place_label(ds, p, g)
                for p, g in zip(inc["place_id"], inc["geo_precision"], strict=True)
            ],
            "What happened": inc["summary"].astype(str).to_numpy(),
        }
    )
    for outcome in outcome_columns(ds):
        out[outcome.capitalize()] = pd.array(
            [sums.get((i, outcome)) for i in ids.tolist()], dtype="Int64"
        )
    return out


def coordination_table(ds) -> pd.DataFrame:
    """One row per coordination step, in date order: Date, Step, Status, Place, What.

    >>> import kirkuk_analysis
    >>> t = coordination_table(kirkuk_analysis.load())
    >>> list(t.columns)
    ['ID', 'Date', 'Step', 'Status', 'Place', 'What']
    """
    require_dataset(ds, "coordination_table")
    co = _in_order(ds, "coordination")
    return pd.DataFrame(
        {
            "ID": co["step_id"].astype(str).to_numpy(),
            "Date": [
                format_range(s, e, str(p))
                for s, e, p in zip(
                    co["date_start"], co["date_end"], co["date_precision"], strict=True
                )
            ],
            "Step": [ds.vocab.label("kind", k) for k in co["kind"]],
            "Status": [ds.vocab.label("status", s) for s in co["status"]],
            "Place": [NO_PLACE if pd.isna(p) else place_label(ds, p) for p in co["place_id"]],
            "What": co["summary"].astype(str).to_numpy(),
        }
    )


def _claim_figure(row) -> str:
    best, low, high = row["best"], row["low"], row["high"]
    unit = " km" if str(row["metric"]) == "gap_width_km" else ""
    if pd.isna(best) and pd.isna(low):
        return "not given"
    if pd.isna(best):
        if not pd.isna(high):
            return f"{_fmt_int(low)}{_DASH}{_fmt_int(high)}{unit}"
        return f"at least {_fmt_int(low)}{unit}"
    if pd.isna(high):
        return f"at least {_fmt_int(best)}{unit}"
    return f"{_fmt_int(best)}{unit}"


def _includes(overlaps, figure, contradiction: bool) -> str:
    if pd.isna(overlaps):
        return _MISSING
    ids = ", ".join(str(overlaps).split(";"))
    if contradiction:
        return f"{ids} (they hold {_fmt_int(figure)}: the sources contradict each other)"
    return ids


def claims_table(ds) -> pd.DataFrame:
    """The aggregate claims, apart from the incident figures: Period, Claimant, What, Figure
    (with the claims of other articles that contradict it), Place, Includes (incidents the
    total already covers; where their figures add up to more than the total allows, the
    contradiction is said, not smoothed over).

    >>> import kirkuk_analysis
    >>> t = claims_table(kirkuk_analysis.load())
    >>> list(t.columns)
    ['ID', 'Period', 'Claimant', 'What', 'Figure', 'Place', 'Includes']
    """
    require_dataset(ds, "claims_table")
    cl = _in_order(ds, "claims")
    checked = claims_summary(ds).set_index("claim_id").loc[cl["claim_id"]]
    scope = claim_scope(ds).set_index("claim_id").loc[cl["claim_id"]]
    periods = []
    for s, e, before, after in zip(
        cl["period_start"],
        cl["period_end"],
        scope["starts_before"],
        scope["ends_after"],
        strict=True,
    ):
        text = f"up to {_day(_d(e))}" if pd.isna(s) else format_range(s, e)
        beyond = [w for w, yes in (("starts before", before), ("ends after", after)) if yes]
        periods.append(text + (f" ({' and '.join(beyond)} the selection)" if beyond else ""))
    whats = []
    for metric, party in zip(cl["metric"], cl["party"], strict=True):
        label = ds.vocab.label("metric", metric)
        if not pd.isna(party):
            label += " (" + ", ".join(_party(ds, p) for p in str(party).split(";")) + ")"
        whats.append(label)
    return pd.DataFrame(
        {
            "ID": cl["claim_id"].astype(str).to_numpy(),
            "Period": periods,
            "Claimant": cl["claimant"].astype(str).to_numpy(),
            "What": whats,
            # a total another article's contradicts is shown as printed, and said to be
            "Figure": [
                _claim_figure(r) + (f" (contradicts {', '.join(c.split(';'))})" if c else "")
                for (_, r), c in zip(cl.iterrows(), checked["contradicts"], strict=True)
            ],
            "Place": [NO_PLACE if pd.isna(p) else place_label(ds, p) for p in cl["place_id"]],
            "Includes": [
                _includes(o, f, bool(c)) + ("" if not outside else f"; {outside}")
                for o, f, c, outside in zip(
                    cl["overlaps"],
                    checked["incident_figure"],
                    checked["contradiction"],
                    scope["outside"],
                    strict=True,
                )
            ],
        }
    )


def sources_table(ds) -> pd.DataFrame:
    """The articles cited by the rows of ``ds`` (:func:`cited_sources`): Outlet, Headline,
    Published (with "inferred" where the date is not printed).

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> t = sources_table(ds)
    >>> list(t.columns), len(t) == len(ds.sources)
    (['Outlet', 'Headline', 'Published'], True)
    """
    require_dataset(ds, "sources_table")
    so = cited_sources(ds).sort_values(["published", "source_id"])
    published = [
        _day(_d(p)) + ("" if str(b) == "printed" else " (inferred)")
        for p, b in zip(so["published"], so["published_basis"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Outlet": so["outlet"].astype(str).to_numpy(),
            "Headline": [
                "(no headline in the stored text)" if pd.isna(h) else str(h) for h in so["headline"]
            ],
            "Published": published,
        }
    )


def url_html(url: str) -> str:
    """``url`` as HTML text: escaped, one run of text.

    Where it wraps is the browser's choice (after a ``/`` or a ``-``; the brief's stylesheet
    lets a part wider than the line break anywhere). Break hints inside the address
    (``<wbr>`` before each ``/ . -``) made Chromium write a PDF link per fragment: about
    twenty per address, each one link to a screen reader, and a third of the PDF's size.

    >>> url_html("https://example.org/a-b?x=1&y=2")
    'https://example.org/a-b?x=1&amp;y=2'
    """
    return html.escape(url)


@cache
def _templates():
    import jinja2  # nbconvert's dependency; imported only when HTML is wanted
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_paths.templates_dir() / "report"),
        autoescape=True,
        keep_trailing_newline=True,
    )
    env.filters["url_html"] = lambda url: Markup(url_html(str(url)))
    return env


def _cell(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return _MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _fmt_int(value)
    return str(value)


def render_table(
    frame: pd.DataFrame,
    css_class: str,
    refs: dict[str, Sequence[Sequence[int]]] | None = None,
    floors: dict[str, Sequence[bool]] | None = None,
    ceilings: dict[str, Sequence] | None = None,
    marks: dict[str, Sequence[str]] | None = None,
) -> str:
    """``frame`` as the reader's HTML table (the one table renderer, template
    ``table.html.j2``): escaped text, figures right-aligned and prose left-aligned (by class
    and on each cell), unknown as "–", no index column.

    >>> frame = pd.DataFrame({"Place": ["Kifri"], "Killed": pd.array([pd.NA], dtype="Int64")})
    >>> print(render_table(frame, "x"))  # doctest: +NORMALIZE_WHITESPACE, +ELLIPSIS
    <table border="0" class="dataframe brief-table x" style="table-layout: auto;"> <thead> <tr>
    <th class="left" style="text-align: left;">Place</th>
    <th class="right" style="text-align: right;">Killed</th> ...
    <td class="left" style="text-align: left; vertical-align: top;">Kifri</td>
    <td class="right" style="text-align: right; vertical-align: top;">\u2013</td> ...

    ``refs`` (optional): column name -> for each row, the note numbers its cell cites
    (:func:`evidence_notes`), shown after the text as links to the Evidence section.
    ``floors`` (optional): column name -> for each row, whether its figure is a floor ("at
    least N"), shown as "≥ N". ``ceilings`` (optional): column name -> for each row, the
    top of the range its figure is the bottom of (NA for none), shown as "N–M". ``marks``
    (optional): column name -> for each row, a sign after its text ("†": see a note).

    >>> print(render_table(frame, "x", refs={"Killed": [[3, 4]]}))  # doctest: +ELLIPSIS
    <table ... <a class="ev-ref" href="#ev-3">[3]</a> <a class="ev-ref" href="#ev-4">[4]</a>...
    """

    def is_numeric(column: pd.Series) -> bool:
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            return True
        # every value given is a number (plain Python: a .map() per column cost more)
        given = [v for v, na in zip(column.tolist(), column.isna().tolist(), strict=True) if not na]
        return bool(given) and all(isinstance(v, int | float) for v in given)

    numeric = {c: is_numeric(frame[c]) for c in frame.columns}
    columns = [{"name": str(c), "align": "right" if numeric[c] else "left"} for c in frame.columns]
    refs, floors, ceilings, marks = refs or {}, floors or {}, ceilings or {}, marks or {}

    def up_to(c, i, v) -> str:
        top = ceilings[c][i] if c in ceilings else None
        return f"\u2013{_cell(top)}" if pd.notna(v) and top is not None and pd.notna(top) else ""

    rows = [
        [
            {
                "text": ("\u2265\u2009" if c in floors and floors[c][i] and pd.notna(v) else "")
                + _cell(v)
                + up_to(c, i, v)
                + (marks[c][i] if c in marks and pd.notna(v) else ""),
                "refs": list(refs[c][i]) if c in refs else [],
            }
            for c, v in zip(frame.columns, row, strict=True)
        ]
        for i, row in enumerate(frame.itertuples(index=False, name=None))
    ]
    return (
        _templates()
        .get_template("table.html.j2")
        .render(css_class=css_class, columns=columns, rows=rows)
    )


def _refs_by(ds, notes: pd.DataFrame, table: str, ids, outcomes=None) -> list[list[int]]:
    """For each id in ``ids``, the note numbers of its rows of ``table`` (``outcomes``: of
    those outcomes only), in order, each once: what a table or a sentence shown for ``ds``
    cites, recorded as cited (:func:`evidence_html` with ``cited_only``)."""
    wanted = None if outcomes is None else set(outcomes)
    by_id: dict[str, set[int]] = {}
    for t, row_id, outcome, note in zip(
        notes["table"], notes["row_id"], notes["outcome"], notes["note"], strict=True
    ):
        if t == table and (wanted is None or outcome in wanted):
            by_id.setdefault(row_id, set()).add(int(note))
    refs = [sorted(by_id.get(str(i), ())) for i in ids]
    cited = getattr(ds, "_cited_notes", None)
    if cited is None:
        cited = set()
        try:
            object.__setattr__(ds, "_cited_notes", cited)  # what was shown, not data
        except AttributeError:  # an object without __dict__: nothing recorded
            pass
    cited.update(n for row in refs for n in row)
    return refs


def incidents_html(ds) -> str:
    """:func:`incidents_table` as an HTML table (class ``brief-table incidents``); each
    figure cites its notes (:func:`evidence_notes`) in its outcome's column."""
    require_dataset(ds, "incidents_html")
    table = incidents_table(ds)
    notes = evidence_notes(ds)
    ids = table["ID"]
    shown = outcome_columns(ds)
    refs = {o.capitalize(): _refs_by(ds, notes, "casualties", ids, [o]) for o in shown}
    floor, ceiling = incident_bounds(ds)
    floor = floor.reindex(ids.to_numpy(), fill_value=False)
    ceiling = ceiling.reindex(ids.to_numpy())
    floors = {o.capitalize(): floor[o].tolist() for o in shown}
    ceilings = {o.capitalize(): ceiling[o].tolist() for o in shown}
    differ = source_disagreements(ds)
    differ = set(zip(differ["incident_id"].astype(str), differ["outcome"].astype(str), strict=True))
    marks = {
        o.capitalize(): [DIFFER_MARK if (i, o) in differ else "" for i in ids.astype(str)]
        for o in shown
    }
    return render_table(table, "incidents", refs, floors, ceilings, marks)


#: After a figure the articles give differently: the largest is shown (codebook §4 rule 5),
#: and the Method note gives each article's.
DIFFER_MARK = "\u2009\u2020"


def _figure_words(low, best, high) -> str:
    """One source's figure as printed: "10", "at least 3", "3–5"; "no figure"."""
    if pd.notna(best):
        return f"{_fmt_int(best)}" if pd.notna(high) else f"at least {_fmt_int(best)}"
    if pd.notna(low):
        return (
            f"{_fmt_int(low)}\u2013{_fmt_int(high)}"
            if pd.notna(high)
            else (f"at least {_fmt_int(low)}")
        )
    return "no figure"


def disagreements_sentence(ds) -> str:
    """Where the articles give one incident's figure differently, each article's figure, as
    a sentence for the Method note ("" when they agree): the tables show the largest (rule
    5) with :data:`DIFFER_MARK`, and this says what was set aside.

    >>> import kirkuk_analysis
    >>> disagreements_sentence(kirkuk_analysis.load()).startswith(("", "The articles"))
    True
    """
    require_dataset(ds, "disagreements_sentence")
    differ = source_disagreements(ds)
    if differ.empty:
        return ""
    src = ds.sources.set_index(ds.sources["source_id"].astype(str))
    parts = []
    for (incident, party, outcome), rows in differ.groupby(
        ["incident_id", "party", "outcome"], sort=False, observed=True
    ):
        said = ", ".join(
            f"{_figure_words(r.low, r.best, r.high)} ({src.at[str(r.source_id), 'outlet']}, "
            f"{_day(_d(src.at[str(r.source_id), 'published']))})"
            for r in rows.itertuples()
        )
        parts.append(f"{incident} {_party(ds, str(party))} {outcome}: {said}")
    return (
        f"The articles give {_plural(len(parts), 'figure')} differently (marked "
        f"\u2020 in the Incidents table, where the largest is shown): {'; '.join(parts)}."
    )


def incident_floors(ds) -> pd.DataFrame:
    """Whether each incident's total for each outcome is a floor ("at least N"): a figure it
    adds up is open-ended, or a party's figure is unknown beside the known ones. Index
    incident_id, one bool column per outcome (False where nothing is known).

    >>> import kirkuk_analysis
    >>> f = incident_floors(kirkuk_analysis.load())
    >>> list(f.columns) == list(kirkuk_analysis.load().vocab.outcomes)
    True
    """
    require_dataset(ds, "incident_floors")
    floor, _ = incident_bounds(ds)
    return floor


def incident_ceilings(ds) -> pd.DataFrame:
    """Each incident's ceiling for each outcome where its total is a range ("3-5 killed": a
    figure it adds up is a range, "between three and five", and none is a floor); NA where
    the total is a count, a floor or unknown. Index incident_id, one Int64 column per
    outcome.

    >>> import kirkuk_analysis
    >>> c = incident_ceilings(kirkuk_analysis.load())
    >>> list(c.columns) == list(kirkuk_analysis.load().vocab.outcomes)
    True
    """
    require_dataset(ds, "incident_ceilings")
    _, ceiling = incident_bounds(ds)
    return ceiling


def incident_bounds(ds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(:func:`incident_floors`, :func:`incident_ceilings`) from one pass: per incident and
    outcome, a floor where a part is open ("at least N", no ceiling) or unknown beside
    known ones; a range where every part has a ceiling and one lies above its figure.

    >>> import kirkuk_analysis
    >>> floors, ceilings = incident_bounds(kirkuk_analysis.load())
    >>> list(floors.index) == list(ceilings.index)
    True
    """
    require_dataset(ds, "incident_bounds")
    fig = _figure_rows(ds)
    figure, high = fig.figure, fig.high
    known = ~np.isnan(figure)
    ranged = known & (high > figure)  # a range's low is the figure, its high the ceiling
    part = fig.open_ended & known & ~ranged
    ceiling = np.where(known, np.fmax(high, figure), 0.0)
    outcomes = list(ds.vocab.outcomes)
    if not len(figure):
        table = pd.DataFrame().reindex(columns=outcomes, fill_value=False).astype(bool)
        table.index.name = "incident_id"
        table.columns.name = None
        empty = pd.DataFrame().reindex(columns=outcomes, fill_value=pd.NA).astype("Int64")
        empty.index.name = "incident_id"
        empty.columns.name = None
        return table, empty
    # per incident and outcome, in plain Python: [part, unknown, known, ranged, ceiling]
    groups: dict[tuple[str, str], list] = {}
    for key in zip(
        fig.incident_id,
        fig.outcome,
        part.tolist(),
        known.tolist(),
        ranged.tolist(),
        ceiling.tolist(),
        strict=True,
    ):
        g = groups.setdefault(key[:2], [False, False, False, False, 0.0])
        g[0] |= key[2]
        g[1] |= not key[3]
        g[2] |= key[3]
        g[3] |= key[4]
        g[4] += key[5]
    ids = list(dict.fromkeys(i for i, _ in groups))  # in the order of ds.incidents
    floors = {o: [False] * len(ids) for o in outcomes}
    tops: dict[str, list] = {o: [None] * len(ids) for o in outcomes}
    row = {i: n for n, i in enumerate(ids)}
    for (i, o), (g_part, g_unknown, g_known, g_ranged, g_ceiling) in groups.items():
        floor = g_known and (g_part or g_unknown)
        if o in floors:
            floors[o][row[i]] = floor
            if g_ranged and not floor:
                tops[o][row[i]] = int(g_ceiling)
    index = pd.Index(ids, name="incident_id")
    return (
        pd.DataFrame({o: np.array(floors[o], dtype=bool) for o in outcomes}, index=index),
        pd.DataFrame({o: pd.array(tops[o], dtype="Int64") for o in outcomes}, index=index),
    )


def coordination_html(ds) -> str:
    """:func:`coordination_table` as an HTML table (class ``brief-table coordination``);
    each step cites its note (:func:`evidence_notes`) after "What"."""
    require_dataset(ds, "coordination_html")
    table = coordination_table(ds)
    refs = {"What": _refs_by(ds, evidence_notes(ds), "coordination", table["ID"])}
    return render_table(table, "coordination", refs)


def claims_html(ds) -> str:
    """:func:`claims_table` as an HTML table (class ``brief-table claims``); each figure
    cites its note (:func:`evidence_notes`)."""
    require_dataset(ds, "claims_html")
    table = claims_table(ds)
    refs = {"Figure": _refs_by(ds, evidence_notes(ds), "claims", table["ID"])}
    return render_table(table, "claims", refs)


def sources_html(ds) -> str:
    """:func:`sources_table` as an HTML table (class ``brief-table sources``), or a line
    saying that no article is cited (a table of headers alone reads as a fault)."""
    require_dataset(ds, "sources_html")
    table = sources_table(ds)
    if table.empty:
        return '<p class="brief-empty"><em>No article is cited by this selection.</em></p>'
    return render_table(table, "sources")


# --------------------------------------------------------------------------------------
# Evidence: every figure and step shown cites the verbatim excerpt it rests on


def evidence_notes(ds) -> pd.DataFrame:
    """The brief's notes: one row per row of ``ds`` that carries evidence, with the number
    of its note. The one place notes are numbered.

    Rows come in the order the brief shows them: the casualty rows of each incident (in
    the Incidents table's order; killed, wounded, captured; by party, then source), the
    coordination steps, then the claims (each in its table's order). A note is one excerpt
    of one article: rows resting on the same words share its number, and numbers follow
    first appearance. Columns ``note``, ``table`` (casualties, coordination, claims),
    ``row_id`` (incident, step or claim id), ``party``, ``outcome`` (casualty rows only),
    ``source_id``, ``evidence`` (verbatim), ``outlet``, ``published`` (a date), ``url``
    (empty where unknown).

    >>> import kirkuk_analysis
    >>> notes = evidence_notes(kirkuk_analysis.load())
    >>> int(notes["note"].iloc[0]), list(notes["table"].unique())
    (1, ['casualties', 'coordination', 'claims'])
    >>> bool(notes.groupby(["source_id", "evidence"])["note"].nunique().eq(1).all())
    True
    """
    require_dataset(ds, "evidence_notes")
    # The brief asks for the notes five times (narrative, three tables, the list): kept on
    # the dataset for the frames they were computed from, as Dataset.incident_rows does.
    frames = tuple(getattr(ds, t) for t in ("sources", "incidents", "casualties",
                                            "coordination", "claims"))  # fmt: skip
    cached = getattr(ds, "_evidence_notes", None)
    if cached is not None and all(a is b for a, b in zip(cached[0], frames, strict=True)):
        return cached[1].copy()
    notes = _evidence_notes(ds)
    try:
        object.__setattr__(ds, "_evidence_notes", (frames, notes))  # a cache, not data
    except AttributeError:  # an object without __dict__: no cache
        pass
    return notes.copy()


def _evidence_notes(ds) -> pd.DataFrame:
    """:func:`evidence_notes`, computed."""
    columns = ["table", "row_id", "party", "outcome", "source_id", "evidence"]
    parts = []
    incident_order = {
        i: n for n, i in enumerate(_in_order(ds, "incidents")["incident_id"].astype(str))
    }
    cas = ds.casualties
    if len(cas):
        published = ds.sources.set_index("source_id")["published"]
        outcome_rank = {o: n for n, o in enumerate(ds.vocab.outcomes)}
        party_rank = {p: n for n, p in enumerate(ds.vocab.parties)}
        ids = cas["incident_id"].astype(str)
        order = pd.DataFrame(
            {
                "i": ids.map(incident_order),
                "o": cas["outcome"].astype(str).map(outcome_rank),
                "p": cas["party"].astype(str).map(party_rank),
                "d": cas["source_id"].map(published).to_numpy(),
                "s": cas["source_id"].astype(str).to_numpy(),
            },
            index=cas.index,
        ).sort_values(["i", "o", "p", "d", "s"])
        rows = cas.loc[order.index]
        parts.append(
            pd.DataFrame(
                {
                    "table": "casualties",
                    "row_id": rows["incident_id"].astype(str).to_numpy(),
                    "party": rows["party"].astype(str).to_numpy(),
                    "outcome": rows["outcome"].astype(str).to_numpy(),
                    "source_id": rows["source_id"].astype(str).to_numpy(),
                    "evidence": rows["evidence"].astype(str).to_numpy(),
                }
            )
        )
    for table, key, shown in (
        ("coordination", "step_id", _in_order(ds, "coordination")["step_id"].astype(str)),
        ("claims", "claim_id", _in_order(ds, "claims")["claim_id"].astype(str)),
    ):
        frame = getattr(ds, table)
        rows = frame.set_index(frame[key].astype(str)).loc[list(shown)]
        parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "row_id": rows.index.to_numpy(),
                    "party": None,
                    "outcome": None,
                    "source_id": rows["source_id"].astype(str).to_numpy(),
                    "evidence": rows["evidence"].astype(str).to_numpy(),
                }
            )
        )
    notes = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    notes = notes[notes["evidence"].str.strip().astype(bool)].reset_index(drop=True)
    # one excerpt of one article, one note: matched as the audit matches evidence
    keys = notes["source_id"] + "\0" + notes["evidence"].map(normalise)
    first = {k: n for n, k in enumerate(dict.fromkeys(keys), start=1)}
    notes.insert(0, "note", keys.map(first).astype("int64"))
    if notes.empty:  # nothing to cite (a package of headers only): the columns alone
        return notes.assign(outlet=[], published=[], url=[])
    src = ds.sources.set_index(ds.sources["source_id"].astype(str))
    notes["outlet"] = notes["source_id"].map(src["outlet"].astype(str))
    notes["published"] = notes["source_id"].map(src["published"]).map(_d)
    notes["url"] = notes["source_id"].map(src["url"]).fillna("").astype(str)
    return notes


def _supports(ds, row) -> str:
    """What one note's row is: "I05: killed (Peshmerga)", "coordination step K12", ..."""
    if row["table"] == "casualties":
        return f"{row['row_id']}: {row['outcome']} ({_party(ds, row['party'])})"
    if row["table"] == "coordination":
        return f"coordination step {row['row_id']}"
    return f"claim {row['row_id']}"


def evidence_html(ds, cited_only: bool = False) -> str:
    """The Evidence section's list (template ``evidence.html.j2``): each note of
    :func:`evidence_notes` with its number (the anchor ``#ev-N`` the references link to),
    the verbatim excerpt, what it supports, the outlet, the publication date and the URL
    as a link; a sentence saying so when the selection has no figure or step to cite.

    With ``cited_only``, only the notes that the tables and sentences already made for
    ``ds`` cite (a notebook showing some of the brief's tables lists no note nothing cites);
    the numbers stay the brief's, so a note is the same excerpt everywhere.

    >>> import kirkuk_analysis
    >>> page = evidence_html(kirkuk_analysis.load())
    >>> page.startswith('<ol class="evidence-notes"'), '<li id="ev-1" value="1">' in page
    (True, True)
    """
    require_dataset(ds, "evidence_html")
    by_note: dict[int, dict] = {}
    notes = evidence_notes(ds)
    if cited_only:
        notes = notes[notes["note"].isin(getattr(ds, "_cited_notes", set()))]
    for row in notes.to_dict("records"):
        item = by_note.setdefault(
            int(row["note"]),
            {
                "number": int(row["note"]),
                "evidence": str(row["evidence"]),
                "supports": {},
                "outlet": str(row["outlet"]),
                "published": _day(row["published"]),
                "url": str(row["url"]),
            },
        )
        item["supports"][_supports(ds, row)] = None  # each once, in order
    items = [
        {**item, "supports": "; ".join(item["supports"])} for _, item in sorted(by_note.items())
    ]
    return _templates().get_template("evidence.html.j2").render(notes=items)


# --------------------------------------------------------------------------------------
# What a selection leaves out


def _selection(ds):
    return getattr(ds, "selection", None)


def selection_markdown(ds) -> str:
    """:func:`selection_notes` as one Markdown paragraph ("" when there is nothing to say).

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import select
    >>> ds = kirkuk_analysis.load()
    >>> selection_markdown(ds)  # a whole package leaves nothing out
    ''
    >>> selection_markdown(select(ds, provinces="Kirkuk")).startswith("*Beyond this selection.*")
    True
    """
    require_dataset(ds, "selection_markdown")
    notes = selection_notes(ds)
    return "*Beyond this selection.* " + " ".join(notes) if notes else ""


def claim_scope(ds) -> pd.DataFrame:
    """For each claim of ``ds``, what reaches beyond the selection it was narrowed to
    (:func:`kirkuk_analysis.analysis.select`): ``starts_before`` (its period starts before
    the selected start), ``open_start`` (its period has no start, so a period selection
    cannot rule out earlier attacks), ``ends_after`` (its period ends after the selected
    end) and ``outside`` ("includes 2 incidents outside
    Kirkuk province", or "" when every incident it includes is in the selection).

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import select
    >>> whole = claim_scope(kirkuk_analysis.load())  # nothing is outside a whole package
    >>> bool(whole["starts_before"].any() or whole["open_start"].any()), set(whole["outside"])
    (False, {''})
    """
    require_dataset(ds, "claim_scope")
    sel = _selection(ds)
    cl = ds.claims
    start = None if sel is None or sel.start is None else pd.Timestamp(sel.start)
    before = [start is not None and not pd.isna(s) and s < start for s in cl["period_start"]]
    open_start = [start is not None and pd.isna(s) for s in cl["period_start"]]
    end = None if sel is None or sel.end is None else pd.Timestamp(sel.end)
    after = [end is not None and not pd.isna(e) and e > end for e in cl["period_end"]]
    whole = ds.whole if getattr(ds, "whole", None) is not None else ds
    shown = set(ds.incidents["incident_id"].astype(str))
    province = _places(ds)["province"].astype(str)
    everywhere = whole.incidents.set_index(whole.incidents["incident_id"].astype(str))
    outside = []
    for overlaps in cl["overlaps"]:
        missing = [i for i in _ids(overlaps) if i not in shown]
        where_out = [
            i
            for i in missing
            if sel is not None
            and sel.provinces
            and i in everywhere.index
            and province.get(str(everywhere.loc[i, "place_id"])) not in sel.provinces
        ]
        rest = len(missing) - len(where_out)
        parts = []
        if where_out:
            parts.append(f"{_plural(len(where_out), 'incident')} outside {where(sel.provinces)}")
        if rest:
            parts.append(f"{_plural(rest, 'incident')} outside the selection")
        outside.append("includes " + _join(parts) if parts else "")
    return pd.DataFrame(
        {
            "claim_id": cl["claim_id"].astype(str).to_numpy(),
            "starts_before": pd.array(before, dtype=bool),
            "open_start": pd.array(open_start, dtype=bool),
            "ends_after": pd.array(after, dtype=bool),
            "outside": outside,
        }
    )


def _ids(cell) -> list[str]:
    return [] if pd.isna(cell) else [i.strip() for i in str(cell).split(";") if i.strip()]


def cited_sources(ds) -> pd.DataFrame:
    """The rows of ``ds.sources`` cited by a row of ``ds`` (incident, casualty figure,
    coordination step or claim): a selection's sources are those of the rows it shows.

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import select
    >>> ds = kirkuk_analysis.load()
    >>> tables = ("incidents", "casualties", "coordination", "claims")
    >>> len(cited_sources(ds.replace(**{t: getattr(ds, t).iloc[:0] for t in tables})))
    0
    """
    require_dataset(ds, "cited_sources")
    cited = set()
    for frame in (ds.incidents, ds.casualties, ds.coordination, ds.claims):
        if "source_id" in frame.columns:  # read as lists: a selection's rows are few
            cited.update(str(s) for s in frame["source_id"].tolist() if not pd.isna(s))
    ids = ds.sources["source_id"].tolist()
    return ds.sources[np.array([not pd.isna(s) and str(s) in cited for s in ids], dtype=bool)]


def selection_notes(ds) -> list[str]:
    """What a selection (:func:`kirkuk_analysis.analysis.select`) shows beyond its
    provinces and period, or leaves out, as sentences: a period wholly outside the span of
    the events the package records (:func:`recorded_span`), where an empty record says
    nothing about what happened; steps and claims with no place
    (shown, since no province can be ruled out for them, but not located there), the
    steps a party selection leaves out and the claims of other measures it keeps,
    incidents dated by a range reaching beyond the period (shown whole), claims whose
    period starts before it or ends after it, claims that include incidents outside it,
    and the sources listed. Empty for a whole package.

    >>> import kirkuk_analysis
    >>> selection_notes(kirkuk_analysis.load())
    []
    """
    require_dataset(ds, "selection_notes")
    sel = _selection(ds)
    if sel is None:
        return []
    out = []
    span = recorded_span(ds.whole if getattr(ds, "whole", None) is not None else ds)
    if span is not None:  # a period wholly outside what the articles cover (the Method
        # section gives the span for every selection)
        first, last = span
        if sel.end is not None and _d(sel.end) < first:
            side = "before"
        elif sel.start is not None and _d(sel.start) > last:
            side = "after"
        else:
            side = ""
        if side:
            out.append(
                f"The articles record events from {_day(first)} to {_day(last)}; the selected "
                f"period lies {side} that span, where nothing recorded does not mean nothing "
                "happened."
            )
    if sel.provinces:
        placed = set(ds.places["province"].astype(str))
        none_there = [p for p in sel.provinces if p not in placed]
        if none_there:
            out.append(
                f"The data package places nothing in {where(none_there)}: no incident is "
                "recorded there, and what is shown has no place."
            )
        # steps and context items apart, as the key figures and the Summary count them
        co = ds.coordination
        context = co["kind"].astype(str) == CONTEXT
        counts = [
            (int(frame["place_id"].isna().sum()), what)
            for frame, what in (
                (co[~context], "coordination step"),
                (co[context], "context item"),
                (ds.claims, "claim"),
            )
        ]
        unplaced = [_plural(n, what) for n, what in counts if n]
        if unplaced:
            one = sum(n for n, _ in counts) == 1
            out.append(
                f"{_join(unplaced)} shown {'has' if one else 'have'} no place "
                f"(Baghdad\u2013Erbil-wide, or not located by the article): listed as "
                f"\u201c{NO_PLACE}\u201d, since no province can be ruled out for "
                f"{'it' if one else 'them'}, but not located in {where(sel.provinces)}."
            )
    out += _party_notes(ds, sel) + _straddling_notes(ds, sel)
    scope = claim_scope(ds)
    n, m = int(scope["starts_before"].sum()), int(scope["open_start"].sum())
    if n or m:
        parts = []
        if n:
            parts.append(
                f"{_plural(n, 'claim')} cover{'s' if n == 1 else ''} a period starting before "
                f"{_day(sel.start)} (marked in \u201cPeriod\u201d)"
            )
        if m:
            parts.append(
                f"{_plural(m, 'claim')} give{'s' if m == 1 else ''} no start "
                "(\u201cup to\u201d a date)"
            )
        out.append(
            f"{_join(parts)}: {'its total' if n + m == 1 else 'their totals'} may include "
            "attacks before the selected period."
        )
    n = int(scope["ends_after"].sum())
    if n:
        out.append(
            f"{_plural(n, 'claim')} cover{'s' if n == 1 else ''} a period ending after "
            f"{_day(sel.end)} (marked in \u201cPeriod\u201d): "
            f"{'its total' if n == 1 else 'their totals'} may include attacks after the "
            "selected period."
        )
    n = int((scope["outside"] != "").sum())
    if n:
        out.append(
            f"{_plural(n, 'claim')} include{'s' if n == 1 else ''} incidents outside this "
            "selection, which the tables here do not show (marked in \u201cIncludes\u201d)."
        )
    n_sources = len(cited_sources(ds))
    if n_sources == 0 and len(ds.sources):
        out.append(
            f"No article is cited by the rows shown, of {len(ds.sources)} in the data package."
        )
    elif n_sources < len(ds.sources):
        out.append(
            f"Sources lists the {'one article' if n_sources == 1 else f'{n_sources} articles'} "
            f"cited by the rows shown, of {len(ds.sources)} in the data package."
        )
    return out


#: What the claims of a metric are, in the Summary's words (by metric code).
_CLAIM_KINDS = {
    "killed": "casualty totals over several attacks",
    "wounded": "casualty totals over several attacks",
    "captured": "casualty totals over several attacks",
    "casualties": "casualty totals over several attacks",
    "attacks": "counts of attacks",
    "attacks_claimed": "counts of attacks ISIS claimed",
    "militants_present": "estimates of the militants present",
    "gap_width_km": "the width of the security gap",
}


def _claim_kinds(ds) -> list[str]:
    """What ``ds``'s claims are, once each, in the order of the metric vocabulary: a
    metric not in :data:`_CLAIM_KINDS` by its label.

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> _claim_kinds(ds.replace(claims=ds.claims[ds.claims.metric == "gap_width_km"]))
    ['the width of the security gap']
    """
    present = set(ds.claims["metric"].astype(str))
    kinds: list[str] = []
    for metric in ds.vocab.metrics:
        if metric in present:
            kind = _CLAIM_KINDS.get(metric) or f"figures of {ds.vocab.label('metric', metric)}"
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def _party_notes(ds, sel) -> list[str]:
    """For a party selection: the incidents and steps of the period and area that concern
    none of its parties, which it leaves out, and the claims it keeps that count no
    party's dead."""
    if not sel.parties or getattr(ds, "whole", None) is None:
        return []
    from dataclasses import replace

    from kirkuk_analysis.analysis import select

    area = select(ds.whole, replace(sel, parties=()))
    names = _join([_party(ds, p) for p in sel.parties])
    out = []
    shown_incidents = set(ds.incidents["incident_id"].astype(str))
    n = int((~area.incidents["incident_id"].astype(str).isin(shown_incidents)).sum())
    if n:
        one = n == 1
        out.append(
            f"Incidents are shown where a chosen party ({names}) is the perpetrator, the "
            "target or among the casualties: "
            f"{_plural(n, 'incident')} of this period and area "
            f"concern{'s' if one else ''} none of them and {'is' if one else 'are'} not shown."
        )
    every = area.coordination
    shown = set(ds.coordination["step_id"].astype(str))
    left = every[~every["step_id"].astype(str).isin(shown)]
    context = left["kind"].astype(str) == CONTEXT
    counts = [(int((~context).sum()), "coordination step"), (int(context.sum()), "context item")]
    if any(n for n, _ in counts):
        left_words = _join([_plural(n, what) for n, what in counts if n])
        one = sum(n for n, _ in counts) == 1
        out.append(
            f"Coordination is shown where it names {names}: {left_words} of this period and "
            f"area name{'s' if one else ''} none of them and {'is' if one else 'are'} not shown."
        )
    from kirkuk_analysis.analysis import CLAIM_OUTCOMES

    others = ds.claims[~ds.claims["metric"].astype(str).isin(list(CLAIM_OUTCOMES))]
    if len(others):
        out.append(
            f"{_plural(len(others), 'claim')} of another measure "
            f"({_join(_claim_kinds(ds.replace(claims=others)))}) count"
            f"{'s' if len(others) == 1 else ''} no party’s dead and "
            f"{'is' if len(others) == 1 else 'are'} shown whatever the parties chosen."
        )
    return out


def _straddling_notes(ds, sel) -> list[str]:
    """Incidents and coordination steps whose date range reaches beyond the selected
    period: shown whole, so a brief of the neighbouring period shows them too."""
    out = []
    for table, ident, what, counted in (
        ("incidents", "incident_id", "incident", "with all {its} casualties"),
        ("coordination", "step_id", "coordination step", ""),
    ):
        frame = getattr(ds, table)
        beyond = pd.Series(False, index=frame.index)
        if sel.start is not None:
            beyond |= frame["date_start"] < pd.Timestamp(sel.start)
        if sel.end is not None:
            beyond |= frame["date_end"] > pd.Timestamp(sel.end)
        rows = frame[beyond].sort_values(["date_start", ident])
        if rows.empty:
            continue
        listed = "; ".join(f"{r[ident]}: {_row_range(r)}" for _, r in rows.iterrows())
        one = len(rows) == 1
        counted = counted.format(its="its" if one else "their")
        out.append(
            f"{_plural(len(rows), what)} dated only to a range reaching beyond the selected "
            f"period ({listed}) {'is' if one else 'are'} shown whole"
            + (f", {counted}" if counted else "")
            + f": a selection of the neighbouring period shows {'it' if one else 'them'} "
            f"too, so adding up two selections counts {'it' if one else 'them'} twice."
        )
    return out


def recorded_span(ds):
    """The first and last day of the events ``ds`` records (its incidents' and coordination
    steps' date ranges), as dates; None when it records none.

    >>> import kirkuk_analysis
    >>> first, last = recorded_span(kirkuk_analysis.load())
    >>> first <= last
    True
    """
    require_dataset(ds, "recorded_span")
    starts = pd.concat([ds.incidents["date_start"], ds.coordination["date_start"]]).dropna()
    ends = pd.concat([ds.incidents["date_end"], ds.coordination["date_end"]]).dropna()
    if starts.empty or ends.empty:
        return None
    return starts.min().date(), ends.max().date()


def _chosen_parties(ds) -> list[str]:
    """The parties a selection narrowed the casualty figures to ([]: every party)."""
    sel = _selection(ds)
    return list(getattr(sel, "parties", None) or [])


def casualty_scope(ds) -> str:
    """Whose casualties the figures of ``ds`` count, as a sentence without its full stop:
    every party's, or only the parties a selection chose.

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import select
    >>> ds = kirkuk_analysis.load()
    >>> casualty_scope(ds)
    'Killed, wounded and captured add up every party, attackers included'
    >>> casualty_scope(select(ds, "2021-12-01", "2021-12-31", parties=["peshmerga"]))
    'Killed and wounded count only the casualties of the parties chosen (Peshmerga)'

    The figures named are the Incidents table's columns (:func:`outcome_columns`).
    """
    require_dataset(ds, "casualty_scope")
    shown = _join(outcome_columns(ds))
    shown = shown[:1].upper() + shown[1:]
    chosen = _chosen_parties(ds)
    if not chosen:
        return f"{shown} add up every party, attackers included"
    # the labels in brackets, not as an attributive noun: "civilians casualties" is wrong
    return (
        f"{shown} count only the casualties of the parties chosen "
        f"({_join([_party(ds, p) for p in chosen])})"
    )


def steps_and_context(kf: dict) -> tuple[int, int]:
    """(coordination steps, context items) of :func:`key_figures`: the rows of the
    coordination table apart from those of kind ``context`` (base handovers, statements:
    background to the Baghdad-Erbil steps, not steps), and those. The brief counts them
    apart, so that no headline counts a base handover as a step.

    >>> kf = {"coordination_steps": 32, "coordination_by_kind": {"call": 21, "context": 11}}
    >>> steps_and_context(kf)
    (21, 11)
    """
    context = int(kf["coordination_by_kind"].get(CONTEXT, 0))
    return int(kf["coordination_steps"]) - context, context


def key_figures_html(ds) -> str:
    """The key-figures box of the brief: headline numbers and casualties by party.

    >>> import kirkuk_analysis
    >>> box = key_figures_html(kirkuk_analysis.load())
    >>> box.startswith('<div class="key-figures"')
    True
    """
    require_dataset(ds, "key_figures_html")
    kf = key_figures(ds)
    cells = [
        (kf["incidents"], "incidents" if kf["incidents"] != 1 else "incident"),
        (kf["killed"], "killed"),
        (kf["wounded"], "wounded"),
        (kf["captured"], "captured"),
    ]
    steps, context = steps_and_context(kf)
    cells.append((steps, "coordination step" if steps == 1 else "coordination steps"))
    if context:
        cells.append((context, "context item" if context == 1 else "context items"))
    totals = casualty_totals(ds)
    chosen = _chosen_parties(ds)
    parties = []
    for party, row in totals.iterrows():
        name = (
            ("All selected parties" if chosen else "All parties")
            if party == "total"
            else _party(ds, party)
        )
        parties.append(
            {
                "name": name[:1].upper() + name[1:],
                "open_ended": bool(row["open_ended"]),
                "total": party == "total",
                "figures": [_fmt_int(row[o]) for o in ds.vocab.outcomes],
            }
        )
    notes = [
        f"{_MISSING} = no figure given in the articles (unknown, not zero). Totals add the "
        "incidents\u2019 figures; each figure cites its article\u2019s words by a note "
        "number [N] in the tables, quoted under Evidence."
    ]
    if chosen:
        notes.append(casualty_scope(ds) + ".")
    floors = incident_floors(ds).any()
    for _, outcome in unnumbered(ds):  # an incident's casualties without a number
        floors[outcome] = True
    if (len(totals) and bool(totals["open_ended"].any())) or bool(floors.any()):
        notes.append(
            "\u2265 (and * after a party) marks a total that is a floor: it includes an "
            "\u201cat least\u201d figure, or casualties an article reports without a number."
        )
    if kf["coordination_by_kind"]:
        kinds = [(k, n) for k, n in kf["coordination_by_kind"].items() if k != CONTEXT]
        if kinds:
            steps_text = ", ".join(f"{n} {_kind(ds, k, n, short=True)}" for k, n in kinds)
            notes.append(f"Coordination steps: {steps_text}.")
    # a total that adds up an "at least" figure is one itself, in the headline as in the
    # Summary's words and the Incidents table
    shown = [
        ("\u2265\u2009" if label in floors.index and floors[label] and v else "") + _fmt_int(v)
        for v, label in cells
    ]
    return (
        _templates()
        .get_template("key_figures.html.j2")
        .render(
            cells=[
                {"value": v, "label": label} for v, (_, label) in zip(shown, cells, strict=True)
            ],
            outcomes=list(ds.vocab.outcomes),
            parties=parties,
            note=" ".join(notes),
        )
    )


# --------------------------------------------------------------------------------------
# Prose


def _described_selection(ds, start, end, provinces, parties):
    """(start, end, provinces, parties) a text about ``ds`` names: those given, checked as
    a selection's are; for a selection (``ds.selection``) its own where not given, and a
    ``ValueError`` where one given is not its own."""
    from kirkuk_analysis.selection import check_selection

    asked = check_selection(start, end, provinces, parties, vocab=ds.vocab)
    chosen = getattr(ds, "selection", None)
    if chosen is None:
        return asked.start, asked.end, asked.provinces, asked.parties
    given = {"start": start is not None, "end": end is not None,
             "provinces": bool(asked.provinces), "parties": bool(asked.parties)}  # fmt: skip

    def same(a, b) -> bool:  # names in any order
        return set(a) == set(b) if isinstance(a, tuple) else a == b

    for name, was_given in given.items():
        if was_given and not same(getattr(asked, name), getattr(chosen, name)):
            raise ValueError(
                f"{name} {_shown(getattr(asked, name))} is not the selection's "
                f"({_shown(getattr(chosen, name))}): the text would name what its figures do "
                "not count; leave it out (the selection's is used) or select() it first"
            )
    return chosen.start, chosen.end, chosen.provinces, chosen.parties


def _shown(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ", ".join(value) or "all"
    return str(value)


def selection_words(ds) -> str:
    """Where a selection is and whose casualty figures it counts, as a heading says it:
    "Kirkuk province; casualty figures for ISIS" (the parties by their labels), or "all
    provinces" for the whole package.

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import select
    >>> selection_words(select(kirkuk_analysis.load(), provinces="kirkuk", parties="pmf"))
    'Kirkuk province; casualty figures for PMF'
    """
    require_dataset(ds, "selection_words")
    chosen = getattr(ds, "selection", None)
    text = where(getattr(chosen, "provinces", ()))
    parties = getattr(chosen, "parties", ())
    if parties:
        text += "; casualty figures for " + _join([_party(ds, p) for p in parties])
    return text


def where(provinces: Iterable[str] | str | None) -> str:
    """The selected provinces in words: "all provinces", "Kirkuk province",
    "Kirkuk and Diyala provinces" (one name may be given as a string).

    >>> where(["Kirkuk", "Diyala"]), where(None), where("Kirkuk")
    ('Kirkuk and Diyala provinces', 'all provinces', 'Kirkuk province')
    """
    if isinstance(provinces, str):
        provinces = [provinces]
    provinces = list(provinces or [])
    if not provinces:
        return "all provinces"
    return _join(provinces) + (" province" if len(provinces) == 1 else " provinces")


def _tally(ds, totals: pd.DataFrame, outcome: str, floors=frozenset()) -> list[str]:
    """'17 Peshmerga', 'at least 1 Asayish' ... for one outcome, largest first; ``floors``:
    the (party, outcome) pairs whose total includes an "at least" figure."""
    if outcome not in totals.columns:
        return []
    # read as plain lists: pandas' drop, dropna and lookups cost more than the sentence
    index = totals.index.tolist()
    col = {
        p: int(v)
        for p, v in zip(index, totals[outcome].tolist(), strict=True)
        if p != "total" and not pd.isna(v) and v > 0
    }
    parties = list(ds.vocab.parties)
    order = sorted(col, key=lambda p: (-col[p], parties.index(p)))
    out = []
    for p in order:
        label = _party(ds, p)
        if p == "civilians" and col[p] == 1:
            label = "civilian"
        out.append(f"{_at_least((p, outcome) in floors)}{col[p]} {label}")
    # a party whose casualties of this outcome are reported without any number
    vague = [p for p in parties if (p, outcome) in floors and p not in col]
    out += [f"an unknown number of {_party(ds, p)}" for p in vague if p in index]
    return out


def _at_least(floor: bool) -> str:
    """The words before a figure that is a floor: an "at least N" stays one in a sentence."""
    return "at least " if floor else ""


def narrative(
    ds,
    start=None,
    end=None,
    provinces: Iterable[str] | None = None,
    parties: Iterable[str] | None = None,
) -> str:
    """A short narrative of the selection in Markdown, every figure computed from ``ds``.

    ``start``, ``end``, ``provinces`` and ``parties`` describe the selection (they are only
    named in the text; ``ds`` must already be narrowed to them). For a selection made by
    :func:`kirkuk_analysis.analysis.select` they default to its own, and one given that is
    not its own raises ``ValueError`` (the text would name a period or province its figures
    do not count); they are checked as a selection's are (a start after the end, an unknown
    name: :class:`~kirkuk_analysis.selection.SelectionError`).

    >>> import kirkuk_analysis
    >>> ds = kirkuk_analysis.load()
    >>> text = narrative(ds, "2020-01-01", "2024-12-31")
    >>> text.split(", the source")[0]
    'From 1 January 2020 to 31 December 2024'
    >>> f"report {len(ds.incidents)} incidents in " in text
    True
    """
    require_dataset(ds, "narrative")
    start, end, provinces, parties = _described_selection(ds, start, end, provinces, parties)
    kf = key_figures(ds)
    where_text = where(provinces)
    paras: list[str] = []
    if kf["incidents"] == 0:
        empty = (
            f"{EMPTY_MESSAGE}: {_over(start, end, first_word=False)}, the source articles "
            f"report no incident in {where_text if provinces else 'any province'}."
        )
        span = recorded_span(ds.whole if getattr(ds, "whole", None) is not None else ds)
        if span is not None and (
            (end is not None and _d(end) < span[0]) or (start is not None and _d(start) > span[1])
        ):  # said at once: a period the articles do not cover is no quiet period
            empty += f" The articles record events from {_day(span[0])} to {_day(span[1])} only."
        paras.append(empty)
    else:
        kinds = [_plural(kf["attacks"], "attack")]
        if kf["arrests"]:
            kinds.append(_plural(kf["arrests"], "arrest"))
        # with no province chosen, name the provinces where something happened (not "all")
        located = where_text if provinces or not kf["provinces"] else where(kf["provinces"])
        first = (
            f"{_over(start, end)}, the source articles report "
            f"{_plural(kf['incidents'], 'incident')} in {located}: {_join(kinds)}."
        )
        totals = casualty_totals(ds)
        per = incident_casualties(ds)
        rows = list(zip(per["incident_id"].tolist(), per["party"].tolist(),
                        per["outcome"].tolist(), per["best"].tolist(),
                        per["open_ended"].tolist(), strict=True))  # fmt: skip
        floors = {(p, o) for _, p, o, _, floor in rows if floor} | unnumbered(ds)
        toll = []
        for outcome in ds.vocab.outcomes:
            tally = _tally(ds, totals, outcome, floors)
            if tally and kf[outcome] is None:  # reported, but never with a number
                vague = [_party(ds, p) for p in ds.vocab.parties if (p, outcome) in floors]
                toll.append(f"an unknown number {outcome} ({_join(vague)})")
            elif tally:
                floor = any(o == outcome for _, o in floors)
                toll.append(f"{_at_least(floor)}{kf[outcome]} {outcome} ({_join(tally)})")
        if toll:
            second = f"The reported toll is {_join(toll)}."
            if parties:
                second = (
                    f"Counting casualties among {_join([_party(ds, p) for p in parties])} only, "
                    f"the reported toll is {_join(toll)}."
                )
            if "unknown" in totals.index:
                second += (
                    " Attackers\u2019 own losses are counted; \u201cunidentified\u201d is a party "
                    "the article does not name."
                )
        else:
            whose = f"{_join([_party(ds, p) for p in parties])} " if parties else ""
            second = f"The articles give no {whose}casualty figure for " + (
                "this incident." if kf["incidents"] == 1 else "these incidents."
            )
        sentences = [first, second]
        killed: dict[str, int] = {}  # incident -> killed, those with a figure
        for i, _, o, best, _ in rows:
            if o == "killed":
                killed[i] = killed.get(i, 0) + best
        if len(killed) and max(killed.values()) > 0:
            top = int(max(killed.values()))
            top_ids = sorted(i for i, n in killed.items() if n == top)
            inc = ds.incidents.set_index(ds.incidents["incident_id"].astype(str))
            row = inc.loc[top_ids[0]]
            what = ds.vocab.label("event_type", row["event_type"])
            # an incident whose toll no article gives may have been deadlier: "deadliest"
            # only among those with a figure, and how many have none
            untold = kf["incidents"] - len(killed)
            # "a death toll among civilians": no possessive of a plural label ("civilians")
            among = f" among {_join([_party(ds, p) for p in parties])}" if parties else ""
            known = f" of those with a recorded death toll{among}" if untold else ""
            label = (
                "incident was"
                if kf["incidents"] == 1
                else f"deadliest incident{known} was"
                if len(top_ids) == 1
                else f"deadliest incidents{known} include"
            )
            # the figure cites its notes, as in the Incidents table (links to #ev-N)
            cites = _refs_by(ds, evidence_notes(ds), "casualties", top_ids[:1], ["killed"])[0]
            its_floor = any(f for i, _, o, _, f in rows if i == top_ids[0] and o == "killed")
            sentences.append(
                f"The {label} the {what} "
                f"{_at(place_label(ds, row['place_id'], row['geo_precision']))} "
                f"({_row_range(row)}), with {_at_least(its_floor)}{top} killed"
                + "".join(f" [[{n}]](#ev-{n})" for n in cites)
                + (
                    f"; {untold} of the {kf['incidents']} incidents "
                    f"{'has' if untold == 1 else 'have'} no death toll{among} in the articles."
                    if untold
                    else "."
                )
            )
        years = Counter(d.year for d in ds.incidents["date_start"].tolist() if not pd.isna(d))
        if len(set(years.values())) > 1:  # a year stands out (all alike: nothing to say)
            peak = max(years.values())
            peak_years = sorted(y for y, n in years.items() if n == peak)
            sentences.append(
                f"Incidents were most frequent in {_join([str(y) for y in peak_years])} "
                f"({_plural(peak, 'incident')})."
            )
        paras.append(" ".join(sentences))
    steps, context = steps_and_context(kf)
    # context items (base handovers, statements) are counted apart from the steps
    besides = f"{_plural(context, 'context item')} (base handovers, statements)" if context else ""
    chosen = _chosen_parties(ds)
    naming = f" naming {_join([_party(ds, p) for p in chosen])}" if chosen else ""
    if steps:
        co = ds.coordination.sort_values(["date_start", "step_id"])
        kinds = [
            f"{n} {_kind(ds, k, n)}" for k, n in kf["coordination_by_kind"].items()
            if k != CONTEXT
        ]  # fmt: skip
        firsts = co[co["kind"].astype(str).isin(["agreement", "implementation"])]
        text = (
            f"Over the same period and area the articles record "
            f"{_plural(steps, 'coordination step')}{naming} between Baghdad, Erbil and the "
            "coalition: "
            f"{_join(kinds)}" + (f"; and {besides} besides." if besides else ".")
        )
        if provinces:  # most steps have no place: say how many are placed in the area
            is_step = co["kind"].astype(str) != CONTEXT
            placed = int((is_step & co["place_id"].notna()).sum())
            text += (
                f" Of the steps, {placed if placed else 'none'} "
                f"{'are' if placed > 1 else 'is'} placed in {where_text}; "
                f"{_plural(steps - placed, 'has', 'have')} no place given (arrangements for "
                "the disputed territories as a whole)."
            )
        if len(firsts):
            f0 = firsts.iloc[0]
            text += (
                f" The first agreement or implementation step dates from "
                f"{format_range(f0['date_start'], f0['date_end'], str(f0['date_precision']))}: "
                f"{_lower_first(str(f0['summary']))}"
            )
            last = firsts.iloc[-1]
            if last["step_id"] != f0["step_id"]:
                text += (
                    f" The latest dates from {_row_range(last)}: "
                    f"{_lower_first(str(last['summary']))}"
                )
        paras.append(text)
    else:
        paras.append(
            f"The articles record no coordination step{naming} in this period and area"
            + (f", only {besides}." if besides else ".")
        )
    if kf["claims"]:
        they = "it is" if kf["claims"] == 1 else "they are"
        paras.append(
            f"The articles also give {_plural(kf['claims'], 'aggregate figure')} "
            f"({_join(_claim_kinds(ds))}); {they} listed apart ({CLAIMS_CAVEAT})."
        )
    return "\n\n".join(paras)


def _row_range(row) -> str:
    return format_range(row["date_start"], row["date_end"], str(row["date_precision"]))


def _at(label: str) -> str:
    return label if label.startswith("near ") else "in " + label


#: First words of a summary that are no proper noun: lower-cased after a colon.
_COMMON_FIRST = frozenset(
    "the a an one two three four five six seven eight nine ten several some many most "
    "few both all militants gunmen security unknown suspected members fighters forces "
    "officials police soldiers".split()
)


def _lower_first(text: str) -> str:
    """``text`` to follow a colon: "The Iraqi army ..." -> "the Iraqi army ...", "Several
    Peshmerga officers" -> "several Peshmerga officers"; proper nouns and acronyms kept.

    >>> _lower_first("Several Peshmerga officers"), _lower_first("ISIS attacked")
    ('several Peshmerga officers', 'ISIS attacked')
    """
    first = text.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.lower() in _COMMON_FIRST:
        return text[0].lower() + text[1:]
    return text


def method_note(ds) -> str:
    """How the figures were counted, and how precise dates and places are, in Markdown.

    >>> import kirkuk_analysis
    >>> "day" in method_note(kirkuk_analysis.load())
    True
    """
    require_dataset(ds, "method_note")
    inc = ds.incidents
    n = len(inc)
    cited = cited_sources(ds)  # the articles the Sources section lists
    n_cited = int(cited["source_id"].nunique())
    sentences = [
        f"Figures come from {_plural(n_cited, 'news article')} "
        f"({_join(sorted(cited['outlet'].astype(str).unique()))}) and are coded as printed, "
        "each tied to a verbatim excerpt (see the codebook, `docs/codebook.md`)."
        if n_cited
        else "No article is cited by this selection, so it shows no figure. Figures are "
        "coded as printed in news articles, each tied to a verbatim excerpt (see the "
        "codebook, `docs/codebook.md`).",
        "Where two sources give a figure for the same incident, party and outcome, the largest is "
        "taken, never the sum; an \u201cat least N\u201d counts as N; a figure no article gives is "
        "unknown and shown as \u2013, never as zero; the attackers\u2019 own losses are counted "
        "under their party.",
        "Totals that span several attacks are aggregate claims: they are listed apart and never "
        "added to incident figures.",
    ]
    span = recorded_span(ds.whole if getattr(ds, "whole", None) is not None else ds)
    if span is not None:
        sentences.append(
            f"Coverage: the articles record events from {_day(span[0])} to {_day(span[1])}. "
            "They are no complete event list: inside that span as outside it, a period, "
            "place or party with nothing recorded is not one where nothing happened."
        )
    if differ := disagreements_sentence(ds):
        sentences.append(differ)
    summary = claims_summary(ds)
    contradictions = int(summary["contradiction"].sum())
    if contradictions:
        sentences.append(
            f"{_plural(contradictions, 'claim gives', 'claims give')} a total smaller than the "
            "incidents it includes: the sources contradict each other, and both figures are "
            "shown as printed (see “Includes”)."
        )
    clashing = int((summary["contradicts"] != "").sum())
    if clashing:
        sentences.append(
            f"{_plural(clashing, 'claim is', 'claims are')} contradicted by another article's "
            "claim of the same measure and place (a longer period with a smaller total): "
            "both are shown as printed (see “Figure”)."
        )
    if n:
        prec = inc["date_precision"].astype(str).value_counts()
        parts = [
            f"{int(prec[p])} to the {p}" for p in ("day", "week", "month", "year") if prec.get(p, 0)
        ]
        dated = (
            f"the incident is dated to the {prec.index[0]}"
            if n == 1
            else f"of the {_plural(n, 'incident')}, {_join(parts)}"
        )
        sentences.append(
            f"Dates: {dated}; relative phrases "
            "(\u201con Sunday\u201d, \u201cin recent weeks\u201d) are resolved against the "
            "article\u2019s publication date, and a range is shown where the day is unknown."
        )
        geo = inc["geo_precision"].astype(int).value_counts()
        geo_words = {
            1: "at the named place",
            2: "near a town or within a district",
            3: "only to a province or region",
        }
        parts = [f"{int(geo[g])} {geo_words[g]}" for g in (1, 2, 3) if geo.get(g, 0)]
        if n == 1:
            parts = [f"the incident is placed {geo_words[int(geo.index[0])]}"]
        sentences.append(
            f"Locations: {_join(parts)} (shown as \u201cnear\u201d or as a province); map points "
            "for province-level incidents are the province centroid."
        )
    inferred = cited[cited["published_basis"].astype(str) == "inferred"]
    if len(inferred):
        sentences.append(
            f"{_plural(len(inferred), 'article')} print{'s' if len(inferred) == 1 else ''} "
            "no publication date; "
            "the dates were inferred from internal evidence (see `sources.csv`)."
        )
    return " ".join(sentences)


def monthly_table(ds) -> pd.DataFrame:
    """Recorded casualties per month and party (from
    :func:`kirkuk_analysis.analysis.monthly`), the months and parties with a figure only:
    Month, Party, Killed, Wounded, Captured ("–" where none is recorded).

    >>> import kirkuk_analysis
    >>> list(monthly_table(kirkuk_analysis.load()).columns)
    ['Month', 'Party', 'Killed', 'Wounded', 'Captured']
    """
    require_dataset(ds, "monthly_table")
    m = _monthly_rows(ds)
    outcomes = list(ds.vocab.outcomes)
    party_of = {p: _party(ds, p) for p in ds.vocab.parties}
    out = pd.DataFrame(
        {
            "Month": [f"{p.to_timestamp():%B %Y}" for p in m["month"]],
            "Party": [party_of[str(p)][:1].upper() + party_of[str(p)][1:] for p in m["party"]],
        }
    )
    for outcome in outcomes:
        # monthly() gives <NA> where no figure is recorded ("–" here), 0 where 0 is
        out[outcome.capitalize()] = pd.array(m[outcome].to_numpy(), dtype="Int64")
    return out


def _monthly_rows(ds) -> pd.DataFrame:
    """The month x party rows :func:`monthly_table` shows: those with a recorded figure."""
    from kirkuk_analysis.analysis import monthly

    m = monthly(ds, by="party")
    return m[m[list(ds.vocab.outcomes)].notna().any(axis=1).to_numpy(dtype=bool)]


def monthly_html(ds) -> str:
    """:func:`monthly_table` as an HTML table (class ``brief-table monthly``); a total that
    adds up an "at least" figure (or a range's floor) is shown as "≥ N"."""
    require_dataset(ds, "monthly_html")
    from kirkuk_analysis.analysis import incident_months

    m = _monthly_rows(ds)
    outcomes = list(ds.vocab.outcomes)
    month_of = dict(zip(ds.incidents["incident_id"].astype(str), incident_months(ds), strict=True))
    fig = casualty_figures(ds)
    fig = fig[fig["figure"].notna() & fig["open_ended"]]
    open_cells = {
        (month_of[str(i)], str(p), str(o))
        for i, p, o in zip(fig["incident_id"], fig["party"], fig["outcome"], strict=True)
    }
    floors = {
        o.capitalize(): [
            (period.ordinal, str(party), o) in open_cells
            for period, party in zip(m["month"], m["party"], strict=True)
        ]
        for o in outcomes
    }
    return render_table(monthly_table(ds), "monthly", floors=floors)


def gap_widths_table(ds) -> pd.DataFrame:
    """The reported widths of the security gap between Iraqi and Kurdish forces (claims with
    metric ``gap_width_km``): Date, Claimant, Width, Place, Words (the article's excerpt).

    >>> import kirkuk_analysis
    >>> list(gap_widths_table(kirkuk_analysis.load()).columns)
    ['Date', 'Claimant', 'Width', 'Place', 'Words']
    """
    require_dataset(ds, "gap_widths_table")
    cl = ds.claims[ds.claims["metric"].astype(str) == "gap_width_km"]
    cl = cl.sort_values(["period_end", "claim_id"])
    return pd.DataFrame(
        {
            "Date": [_day(_d(e)) for e in cl["period_end"]],
            "Claimant": cl["claimant"].astype(str).to_numpy(),
            "Width": [_claim_figure(r) for _, r in cl.iterrows()],
            "Place": [_MISSING if pd.isna(p) else place_label(ds, p) for p in cl["place_id"]],
            "Words": [f"\u201c{e}\u201d" for e in cl["evidence"].astype(str)],
        }
    )


def gap_widths_html(ds) -> str:
    """:func:`gap_widths_table` as an HTML table (class ``brief-table gap``); each width
    cites its claim's note (:func:`evidence_notes`): outlet, date and address."""
    require_dataset(ds, "gap_widths_html")
    cl = ds.claims[ds.claims["metric"].astype(str) == "gap_width_km"]
    ids = cl.sort_values(["period_end", "claim_id"])["claim_id"].astype(str)
    refs = {"Width": _refs_by(ds, evidence_notes(ds), "claims", ids)}
    return render_table(gap_widths_table(ds), "gap", refs)


def response_lag_table(ds, window_days: int = 30) -> pd.DataFrame:
    """For each attack, the first coordination step that started after it, and how many days
    later (from :func:`kirkuk_analysis.analysis.response_lag`): Attack, Date, Place, Killed,
    Next step, Step date, Days later, Within N days. Context items (:data:`CONTEXT`: a base
    handover, a statement) are no step, so never the one that followed.

    >>> import kirkuk_analysis
    >>> t = response_lag_table(kirkuk_analysis.load())
    >>> list(t.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['Attack', 'Date', 'Place', 'Killed', 'Next step', 'Step date', 'Days later',
     'Within 30 days']
    >>> bool((t["Days later"].dropna() > 0).all())  # the next step starts after the attack
    True
    """
    require_dataset(ds, "response_lag_table")
    return _lag_rows(ds, window_days).drop(columns="At most")


def _lag_rows(ds, window_days: int) -> pd.DataFrame:
    """:func:`response_lag_table` with a column ``At most``: the most days the next step
    can have come after the attack, where their dates are ranges ("in 2023": up to the
    year's last day), else the days later."""
    steps = [k for k in ds.vocab.kinds if k != CONTEXT]
    att = response_lag(ds, window_days=window_days, kinds=steps).attacks
    att = att.sort_values(["date_start", "incident_id"])
    inc = ds.incidents.set_index(ds.incidents["incident_id"].astype(str))
    co = ds.coordination.set_index(ds.coordination["step_id"].astype(str))
    # a selection's steps end with its period: a step after it is not "none"
    none = "no step after it" + (" in this selection" if getattr(ds, "whole", None) else "")
    if chosen := _chosen_parties(ds):  # its steps are those naming the parties chosen
        none = f"no step naming {_join([_party(ds, p) for p in chosen])} after it in this selection"
    rows = []
    for _, r in att.iterrows():
        i = inc.loc[str(r["incident_id"])]
        step = r["next_step"]
        has_step = not pd.isna(step)
        days = r["days_to_next_step"]
        # from the attack's last possible day to the step's first (days later), and from
        # its first to the step's last (at most), where either date is a range
        most = (co.loc[str(step), "date_end"] - i["date_start"]).days if has_step else pd.NA
        if pd.isna(days):
            within = none
        elif most <= window_days:
            within = "yes"
        elif days > window_days:
            within = "no"
        else:
            within = "perhaps (dates uncertain)"
        rows.append(
            {
                "Attack": str(r["incident_id"]),
                "Date": _row_range(i),
                "Place": place_label(ds, i["place_id"], i["geo_precision"]),
                "Killed": r["killed"],
                "Next step": f"{step} ({r['next_step_kind']})" if has_step else _MISSING,
                "Step date": _row_range(co.loc[str(step)]) if has_step else _MISSING,
                "Days later": days,
                "At most": most,
                f"Within {window_days} days": within,
            }
        )
    out = pd.DataFrame(rows, columns=[
        "Attack", "Date", "Place", "Killed", "Next step", "Step date", "Days later",
        "At most", f"Within {window_days} days",
    ])  # fmt: skip
    for col in ("Killed", "Days later", "At most"):
        out[col] = out[col].astype("Int64")
    return out


def response_lag_html(ds, window_days: int = 30) -> str:
    """:func:`response_lag_table` as an HTML table (class ``brief-table lag``); Killed as
    in the Incidents table ("≥ N" a floor, "N–M" a range), and Days later a range where the
    dates are ("392–756": a step dated only to its year)."""
    require_dataset(ds, "response_lag_html")
    rows = _lag_rows(ds, window_days)
    table = rows.drop(columns="At most")
    floor, ceiling = incident_bounds(ds)
    ids = table["Attack"].to_numpy()
    floors = {"Killed": floor["killed"].reindex(ids, fill_value=False).tolist()}
    # days later as a range ("392–756") where the dates are ranges
    most = rows["At most"].where(rows["At most"] > rows["Days later"])
    ceilings = {"Killed": ceiling["killed"].reindex(ids).tolist(), "Days later": most.tolist()}
    return render_table(table, "lag", floors=floors, ceilings=ceilings)


def response_lag_sentence(ds, window_days: int = 30) -> str:
    """One sentence on how soon coordination followed the attacks.

    >>> import kirkuk_analysis
    >>> from kirkuk_analysis.analysis import attacks
    >>> ds = kirkuk_analysis.load()
    >>> response_lag_sentence(ds).startswith(f"Of {len(attacks(ds))} attacks, ")
    True
    >>> response_lag_sentence(ds.replace(incidents=ds.incidents.iloc[:0]))
    'No incidents in this selection, so there is no response lag to measure.'
    """
    require_dataset(ds, "response_lag_sentence")
    table = response_lag_table(ds, window_days)
    if table.empty:
        return f"{EMPTY_MESSAGE}, so there is no response lag to measure."
    days = table["Days later"].dropna()
    said = table[f"Within {window_days} days"]
    within = int((said == "yes").sum())
    text = (
        f"Of {_plural(len(table), 'attack')}, {within} "
        f"{'was' if within == 1 else 'were'} followed by a coordination step within "
        f"{window_days} days"
    )
    perhaps = int(said.str.startswith("perhaps").sum())
    if perhaps:  # a step dated to a range that straddles the window
        text += f" ({perhaps} more perhaps: their dates are ranges)"
    if len(days):
        text += f"; the median wait for the next step was {float(days.median()):g} days"
        text += f" (shortest {int(days.min())}, longest {int(days.max())})"
    none = len(table) - len(days)
    if none:
        text += f"; {_plural(none, 'attack')} had no later step in the selection"
    return text + "."
