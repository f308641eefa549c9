"""The analyses researchers ask for: pure functions of a :class:`~kirkuk_analysis.Dataset`.

Nothing here changes its input; every function returns a new frame (or Dataset).

Counting rules (also in ``docs/codebook.md``):

* A casualty figure is ``best``, or ``low`` when ``best`` is empty ("at least N").
* ``casualties.csv`` has one row per incident x source x party x outcome. When several
  sources give a figure for the same incident x party x outcome, the incident's figure is
  the **largest** of them, never their sum (the sources describe the same dead).
* An incident without any figure for an outcome has ``NA`` there (the article gives no
  figure: unknown, not zero). Sums over many incidents (per month, per province) add
  the known figures: they are *recorded* casualties, a floor.
* Claims (``claims.csv``) are never added to incident figures: see :func:`claims_summary`.
* An *attack* is an incident whose ``event_type`` is one of the package's attack types
  (``ds.vocab.attack_types``: every type but ``arrest`` in the shipped schema).
* A date is a range ``date_start..date_end``; an incident belongs to a period when its
  range overlaps it, and is placed in one month (the month of the middle of its range)
  when counted per month.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kirkuk_analysis.data import Dataset, require_dataset
from kirkuk_analysis.selection import Selection, SelectionError, _choose, check_selection

__all__ = [
    "CLAIM_OUTCOMES",
    "IRAQI_FORCES",
    "ResponseLag",
    "attacks",
    "casualty_figures",
    "source_disagreements",
    "claim_figures",
    "claim_parties",
    "claims_summary",
    "differing_figures",
    "incident_months",
    "incident_table",
    "monthly",
    "months_without_figure",
    "response_lag",
    "select",
]


def _overlaps(start: pd.Series, end: pd.Series, lo, hi) -> pd.Series:
    keep = pd.Series(True, index=start.index)
    if lo is not None:
        keep &= end >= lo
    if hi is not None:
        keep &= (start <= hi) | start.isna()  # an unknown start is open
    return keep


def _split_lists(s: pd.Series) -> pd.Series:
    return s.fillna("").str.split(";")


def select(
    ds: Dataset,
    start=None,
    end=None,
    provinces: str | list[str] | None = None,
    parties: str | list[str] | None = None,
) -> Dataset:
    """The part of ``ds`` in a period, in some provinces, involving some parties.

    The parameters are checked by :func:`kirkuk_analysis.selection.check_selection`
    against the dataset's own vocabulary (``ds.vocab``): ``YYYY-MM-DD`` strings or dates,
    names matched case-insensitively; a bad one raises
    :class:`~kirkuk_analysis.selection.SelectionError` naming the valid choices. A checked
    :class:`~kirkuk_analysis.selection.Selection` may be passed as ``start`` instead.

    * ``start``, ``end`` (inclusive): an incident or coordination step belongs when its
      date range overlaps the period, so an uncertain date ("in April") is kept by any
      period touching it. A claim belongs when its ``period_start..period_end`` overlaps it
      (an empty start is open).
    * ``provinces``: incidents at places in these provinces; coordination steps and claims
      at such places, plus those without a place (Baghdad-Erbil-wide steps and claims).
    * ``parties``: incidents whose perpetrator, target or a casualty party is one of them,
      with only those parties' casualty rows; coordination steps naming one; claims of
      casualties naming one, and every claim of another metric (attacks counted, the width
      of the security gap), which counts no party's casualties.

    ``None`` or an empty list means no limit. ``places`` and ``sources`` are kept whole.
    The result records what it was narrowed to (``.selection``, the checked
    :class:`~kirkuk_analysis.selection.Selection`) and from (``.whole``, the unselected
    dataset), so that a report can say what the selection leaves out.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> kirkuk = select(ds, "2021-01-01", "2021-12-31", provinces="kirkuk")
    >>> set(kirkuk.incidents.place_id.map(ds.places.set_index("place_id").province))
    {'Kirkuk'}
    >>> bool((kirkuk.incidents.date_end >= "2021-01-01").all())
    True
    >>> len(kirkuk.places) == len(ds.places)  # kept whole
    True
    """
    require_dataset(ds, "select")
    if isinstance(start, Selection):  # checked and spelled as keyword arguments are
        given = start
        start, end, provinces, parties = given.start, given.end, given.provinces, given.parties
    chosen = check_selection(start, end, provinces, parties, vocab=ds.vocab)
    lo = None if chosen.start is None else pd.Timestamp(chosen.start)
    hi = None if chosen.end is None else pd.Timestamp(chosen.end)
    inc, cas, coo, cla = ds.incidents, ds.casualties, ds.coordination, ds.claims

    keep_inc = _overlaps(inc.date_start, inc.date_end, lo, hi)
    keep_coo = _overlaps(coo.date_start, coo.date_end, lo, hi)
    keep_cla = _overlaps(cla.period_start, cla.period_end, lo, hi)

    if chosen.provinces:
        in_area = set(ds.places.place_id[ds.places.province.isin(chosen.provinces)])
        keep_inc &= inc.place_id.isin(in_area)
        keep_coo &= coo.place_id.isna() | coo.place_id.isin(in_area)
        keep_cla &= cla.place_id.isna() | cla.place_id.isin(in_area)

    if chosen.parties:
        parties = list(chosen.parties)
        hit = cas.incident_id[cas.party.isin(parties)]
        keep_inc &= (
            inc.perpetrator.isin(parties) | inc.target.isin(parties) | inc.incident_id.isin(hit)
        )
        cas = cas[cas.party.isin(parties)]
        wanted = set(parties)
        keep_coo &= _split_lists(coo.parties).map(lambda items: bool(wanted & set(items)))
        # a party selection limits casualty figures: a claim of another metric (attacks
        # counted, the width of the security gap) counts no party's casualties and stays
        counts_casualties = cla.metric.astype(str).isin(list(CLAIM_OUTCOMES))
        keep_cla &= ~counts_casualties.to_numpy() | _split_lists(cla.party).map(
            lambda items: bool(wanted & set(items))
        ).to_numpy(dtype=bool)

    inc = inc[keep_inc]
    cas = cas[cas.incident_id.isin(inc.incident_id)]
    return ds.replace(
        incidents=inc.reset_index(drop=True),
        casualties=cas.reset_index(drop=True),
        coordination=coo[keep_coo].reset_index(drop=True),
        claims=cla[keep_cla].reset_index(drop=True),
        selection=_narrowed(getattr(ds, "selection", None), chosen),
        whole=ds.whole if ds.whole is not None else ds,
    )


def _narrowed(before: Selection | None, then: Selection) -> Selection:
    """What a selection of a selection is narrowed to: the later start, the earlier end,
    and the provinces and parties both chose (either's when the other chose all).

    A selection of a selection must still say which parties' casualties it keeps: a
    report (whose figures it counts) and an export (an event's whole toll) read it.
    Choices that share nothing (Kirkuk, then Diyala; 2020, then 2021) raise
    :class:`~kirkuk_analysis.selection.SelectionError`: no selection could say truly
    what is left, and a report would name the later choice over none of its rows.

    >>> from datetime import date
    >>> a = Selection(date(2021, 1, 1), None, ("Kirkuk", "Diyala"), ("peshmerga",))
    >>> _narrowed(a, Selection(None, date(2021, 6, 30), ("Diyala",)))
    ... # doctest: +NORMALIZE_WHITESPACE
    Selection(start=datetime.date(2021, 1, 1), end=datetime.date(2021, 6, 30),
              provinces=('Diyala',), parties=('peshmerga',))
    """
    if not isinstance(before, Selection):
        return then

    def later(a, b):
        return b if a is None else a if b is None else max(a, b)

    def earlier(a, b):
        return b if a is None else a if b is None else min(a, b)

    def both(kind: str, a: tuple, b: tuple) -> tuple:
        if not a or not b:
            return a or b
        shared = tuple(x for x in a if x in b)
        if not shared:
            raise SelectionError(
                f"this selection's {kind} ({', '.join(a)}) and the {kind} chosen now "
                f"({', '.join(b)}) share none: nothing would be left; select from the whole "
                "dataset (its .whole) instead"
            )
        return shared

    start, end = later(before.start, then.start), earlier(before.end, then.end)
    if start is not None and end is not None and start > end:
        raise SelectionError(
            f"this selection's period ({before.describe().split(';')[0]}) and the one chosen "
            f"now ({then.describe().split(';')[0]}) do not overlap: nothing would be left; "
            "select from the whole dataset (its .whole) instead"
        )
    return Selection(
        start=start,
        end=end,
        provinces=both("provinces", before.provinces, then.provinces),
        parties=both("parties", before.parties, then.parties),
    )


@dataclass(frozen=True)
class _Figures:
    """What :func:`_figure_codes` returns: one entry per incident x party x outcome, in
    ``(position, party, outcome)`` order, as numpy arrays of equal length."""

    position: np.ndarray  # row of ds.incidents (int64)
    party: np.ndarray  # code into ds.vocab.parties (int64)
    outcome: np.ndarray  # code into ds.vocab.outcomes (int64)
    figure: np.ndarray  # float64, NaN unknown
    low: np.ndarray
    high: np.ndarray
    sources: np.ndarray  # int64
    open_ended: np.ndarray  # bool


def _figure_codes(ds: Dataset) -> _Figures:
    """The counting rule, on integer codes: one entry per incident x party x outcome.

    This is the one place where several sources' figures for the same incident, party and
    outcome become one (codebook §4 rule 5): every function that counts casualties calls it,
    directly or through :func:`casualty_figures`.

    * ``figure``: the largest of the sources' figures (``best``, else ``low`` for "tens of"),
      never their sum; NaN where no source gives one.
    * ``low``: the largest of their floors (``low``, else ``best``).
    * ``high``: the largest of their ceilings (``high``, else the row's figure).
    * ``open_ended``: every source giving that largest figure leaves it open ("at least N":
      ``high`` empty, or only a range's ``low``), so it is a floor.
    * ``sources``: how many rows (sources) gave a figure or a row.

    Returns a :class:`_Figures` of numpy arrays: ``position`` (row of ``ds.incidents``),
    ``party``/``outcome`` (codes into ``ds.vocab.parties``/``ds.vocab.outcomes``) and the
    five above (``figure``, ``low``, ``high`` floats, NaN unknown). Arrays, not a frame: the
    callers count on them directly, and building a frame would cost more than the counting.
    """
    cas = ds.casualties
    n_party, n_outcome = len(ds.vocab.parties), len(ds.vocab.outcomes)
    position = np.asarray(ds.incident_rows(), dtype="int64")
    party = _codes(cas["party"], ds.vocab.parties)
    outcome = _codes(cas["outcome"], ds.vocab.outcomes)
    best = cas["best"].to_numpy(dtype="float64", na_value=np.nan)
    low = cas["low"].to_numpy(dtype="float64", na_value=np.nan)
    high = cas["high"].to_numpy(dtype="float64", na_value=np.nan)
    if (position < 0).any():  # rows of incidents left out of ds (a hand-made selection)
        kept = position >= 0
        position, party, outcome = position[kept], party[kept], outcome[kept]
        best, low, high = best[kept], low[kept], high[kept]
    row_figure = np.where(np.isnan(best), low, best)
    row_low = np.where(np.isnan(low), best, low)
    row_high = np.where(np.isnan(high), row_figure, high)
    row_open = np.isnan(high) | np.isnan(best)
    # numpy, not a pandas groupby: every count in a brief goes through here, a dozen times
    # per brief, and on tables this size pandas' overhead is all the cost
    keys, group = np.unique((position * n_party + party) * n_outcome + outcome, return_inverse=True)
    figure = _group_max(row_figure, group, len(keys))
    # open-ended when every source at the largest figure leaves it open
    closed_at_max = np.zeros(len(keys), dtype=bool)
    np.logical_or.at(closed_at_max, group, (row_figure == figure[group]) & ~row_open)
    return _Figures(
        position=keys // (n_party * n_outcome),
        party=keys // n_outcome % n_party,
        outcome=keys % n_outcome,
        figure=figure,
        low=_group_max(row_low, group, len(keys)),
        high=_group_max(row_high, group, len(keys)),
        sources=np.bincount(group, minlength=len(keys)).astype("int64"),
        open_ended=~closed_at_max & ~np.isnan(figure),
    )


def _group_max(values: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """The largest of ``values`` in each of ``n`` groups (``group``: each value's), NaN
    skipped; NaN for a group with none. Figures are never negative, so -inf marks "none".

    >>> _group_max(np.array([1.0, np.nan, 3.0, np.nan]), np.array([0, 0, 1, 2]), 3)
    array([ 1.,  3., nan])
    """
    out = np.full(n, -np.inf)
    np.fmax.at(out, group, values)
    out[out == -np.inf] = np.nan
    return out


def source_disagreements(ds: Dataset) -> pd.DataFrame:
    """The casualty rows of each incident x party x outcome whose sources give different
    figures (low, best or high), each source's row: where the counting rule took the
    largest of several (codebook §4 rule 5), so that a reader is told the sources differ
    rather than shown one number as if all agreed.

    Columns ``incident_id``, ``party``, ``outcome``, ``source_id``, ``low``, ``best``,
    ``high``, in the casualties table's order; empty when every source agrees.

    >>> from kirkuk_analysis import load
    >>> list(source_disagreements(load()).columns)
    ['incident_id', 'party', 'outcome', 'source_id', 'low', 'best', 'high']
    """
    require_dataset(ds, "source_disagreements")
    return _casualty_rows(ds, np.flatnonzero(_disagree(ds.casualties)))


#: The columns of :func:`source_disagreements` and :func:`differing_figures`.
_DISAGREEMENT_COLUMNS = ["incident_id", "party", "outcome", "source_id", "low", "best", "high"]


def _disagree(cas: pd.DataFrame) -> np.ndarray:
    """Whether each casualty row's incident x party x outcome has rows giving different
    figures (``low``, ``best``, ``high``; an empty one differs from any number)."""
    keys = list(zip(*(cas[c].tolist() for c in ("incident_id", "party", "outcome")), strict=True))
    numbers = [cas[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("low", "best", "high")]
    # whole numbers (at most 2**53, exact as floats), -1 standing for an empty cell
    figures = map(tuple, np.where(np.isnan(numbers), -1, numbers).astype("int64").T.tolist())
    seen: dict[tuple, set] = {}
    for key, figure in zip(keys, figures, strict=True):
        seen.setdefault(key, set()).add(figure)
    return np.array([len(seen[key]) > 1 for key in keys], dtype=bool)


def _casualty_rows(ds: Dataset, rows: np.ndarray) -> pd.DataFrame:
    """Rows ``rows`` (positions) of the casualties table, in the columns of
    :func:`source_disagreements`, indexed from 0."""
    cas = ds.casualties
    out = pd.DataFrame({c: cas[c].array.take(rows) for c in _DISAGREEMENT_COLUMNS})
    out.columns = _labels(cas, _DISAGREEMENT_COLUMNS)
    return out


def _labels(frame: pd.DataFrame, names: list[str]) -> pd.Index:
    """The column labels ``names`` of ``frame`` as ``frame[names]`` keeps them: of the
    dtype of ``frame.columns``, whose strings may be held otherwise than new ones (the
    string storage pandas had when the frame was read)."""
    return frame.columns.take(frame.columns.get_indexer(names))


def differing_figures(ds: Dataset, outcome: str = "killed") -> pd.DataFrame:
    """The rows of :func:`source_disagreements` of ``outcome`` where the sources give two
    different figures (``best``, else ``low``) for one incident and party: the counting
    rule then took the largest of them. One source's number beside another's none, or
    one number given as a floor and as a count, is no such choice.

    >>> from kirkuk_analysis import load
    >>> list(differing_figures(load()).columns)[:4]
    ['incident_id', 'party', 'outcome', 'source_id']
    """
    require_dataset(ds, "differing_figures")
    cas = ds.casualties
    rows = np.flatnonzero(_disagree(cas) & (cas["outcome"].to_numpy(dtype=object) == outcome))
    ids, parties = cas["incident_id"].to_numpy()[rows], cas["party"].to_numpy()[rows]
    best = cas["best"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    low = cas["low"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    figures = np.where(np.isnan(best), low, best).tolist()
    # the distinct figures (best, else low) the sources give for each incident and party
    given: dict[tuple, set] = {}
    for key, figure in zip(zip(ids, parties, strict=True), figures, strict=True):
        known = given.setdefault(key, set())
        if not np.isnan(figure):
            known.add(figure)
    two = [len(given[key]) > 1 for key in zip(ids, parties, strict=True)]
    return _casualty_rows(ds, rows[np.array(two, dtype=bool)])


def casualty_figures(ds: Dataset) -> pd.DataFrame:
    """One row per incident x party x outcome: its figure, the largest across sources.

    Columns ``incident_id``, ``party``, ``outcome``, ``figure`` (``best``, else ``low``;
    the largest of the sources', never their sum; ``NA`` when no source gives one),
    ``low``, ``high``, ``open_ended`` (the figure is a floor, "at least N") and
    ``sources`` (how many sources gave a row). The counting rule itself is in
    :func:`_figure_codes`.

    >>> from kirkuk_analysis import load
    >>> f = casualty_figures(load())
    >>> list(f.columns)
    ['incident_id', 'party', 'outcome', 'figure', 'low', 'high', 'open_ended', 'sources']
    >>> bool(f.duplicated(["incident_id", "party", "outcome"]).any())  # one row per key
    False
    """
    require_dataset(ds, "casualty_figures")
    return _figure_frame(ds, _figure_codes(ds))


def _figure_frame(ds: Dataset, codes: _Figures) -> pd.DataFrame:
    """:func:`casualty_figures`' frame of the counting rule's ``codes`` (of ``ds``)."""
    vocab = ds.vocab
    return pd.DataFrame(
        {
            "incident_id": ds.incidents["incident_id"].to_numpy()[codes.position],
            "party": pd.Categorical.from_codes(codes.party, dtype=_categories(vocab.parties)),
            "outcome": pd.Categorical.from_codes(codes.outcome, dtype=_categories(vocab.outcomes)),
            "figure": _int_array(codes.figure),
            "low": _int_array(codes.low),
            "high": _int_array(codes.high),
            "open_ended": codes.open_ended,
            "sources": codes.sources,
        }
    )


def _int_array(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Whole-number floats (NaN unknown) as a nullable ``Int64`` array (``NA`` unknown).

    >>> _int_array(np.array([3.0, np.nan]))
    <IntegerArray>
    [3, <NA>]
    Length: 2, dtype: Int64
    """
    unknown = np.isnan(values)
    ints = np.where(unknown, 0, values).astype("int64")
    if not np.array_equal(ints, np.where(unknown, 0, values)):
        # not whole numbers (a hand-made frame): refused as pandas refuses the cast
        return pd.array(values, dtype="Float64").astype("Int64")
    return pd.arrays.IntegerArray(ints, unknown)


@functools.lru_cache(maxsize=32)
def _categories_of(categories: tuple, storage: str) -> pd.CategoricalDtype:
    return pd.Categorical.from_codes([], categories=categories).dtype


def _categories(categories: tuple) -> pd.CategoricalDtype:
    """The categorical dtype of a vocabulary (a tuple of names), as
    ``pd.Categorical.from_codes(..., categories=...)`` would make it now.

    Made once per vocabulary: making it costs more than the rest of a small table's
    counting. Its categories are strings of the storage pandas chooses when it is made
    (``mode.string_storage``), so that option is part of what it is kept under.
    """
    return _categories_of(tuple(categories), pd.get_option("mode.string_storage"))


def incident_table(ds: Dataset, all_parties: bool = False) -> pd.DataFrame:
    """One row per incident: the flat table researchers expect.

    Columns: ``incident_id, date_start, date_end, date_precision, date_phrase, place_id,
    place, district, province, lat, lon, disputed, geo_precision, event_type, perpetrator,
    target, killed, wounded, captured``, then ``killed_<party>``, ``wounded_<party>``,
    ``captured_<party>`` for every party with a casualty row (every party of the
    vocabulary when ``all_parties``), then ``source_id, outlet, summary``.

    Figures follow the module's counting rules: ``NA`` where the article gives no figure
    (an incident with no casualty rows has ``NA`` everywhere), the largest figure when
    several sources give one. Claims are never added.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> t = incident_table(ds)
    >>> len(t) == len(ds.incidents), list(t.columns[:3]), list(t.columns[-3:])
    (True, ['incident_id', 'date_start', 'date_end'], ['source_id', 'outlet', 'summary'])
    >>> by_party = t.filter(like="killed_").sum(axis=1, min_count=1)  # killed_peshmerga, ...
    >>> bool((by_party.fillna(-1) == t.killed.fillna(-1)).all())  # NA: no figure anywhere
    True
    """
    require_dataset(ds, "incident_table")
    inc = ds.incidents
    if "source_id" not in inc.columns:
        # a package of the contract's columns alone: the article of its first casualty row
        first = ds.casualties.drop_duplicates("incident_id").set_index("incident_id")
        inc = inc.assign(source_id=inc["incident_id"].map(first["source_id"]))
    own = [
        "incident_id",
        "date_start",
        "date_end",
        "date_precision",
        "date_phrase",
        "place_id",
        "geo_precision",
        "event_type",
        "perpetrator",
        "target",
        "source_id",
        "summary",
    ]
    # the table's place columns and the places' columns they come from
    place_columns = {
        "place": "name",
        "district": "district",
        "province": "province",
        "lat": "lat",
        "lon": "lon",
        "disputed": "disputed",
    }
    place_rows = _merge_rows(inc["place_id"], ds.places["place_id"])
    outlet_rows = _merge_rows(inc["source_id"], ds.sources["source_id"])
    if place_rows is not None and outlet_rows is not None:
        # each incident has its one place and source: their columns are taken by row (a
        # merge's own work costs more than the rest of the table)
        column = {c: inc[c].array for c in own}
        column |= {c: ds.places[of].array.take(place_rows) for c, of in place_columns.items()}
        column["outlet"] = ds.sources["outlet"].array.take(outlet_rows)
    else:  # a place or source missing or repeated: pandas' merge says what that gives
        places = ds.places.rename(columns={"name": "place"})[["place_id", *place_columns]]
        out = inc[own].merge(places, on="place_id", how="left", validate="many_to_one")
        out = out.merge(
            ds.sources[["source_id", "outlet"]], on="source_id", how="left", validate="many_to_one"
        )
        column = {c: out[c].array for c in out.columns}

    fig = _figure_codes(ds)
    n = len(inc)
    known = ~np.isnan(fig.figure)
    figures = {}
    for code, outcome in enumerate(ds.vocab.outcomes):
        # the incident's figure: its parties' figures added; NA where none is given
        mine = known & (fig.outcome == code)
        total = np.bincount(fig.position[mine], weights=fig.figure[mine], minlength=n)
        given = np.bincount(fig.position[mine], minlength=n) > 0
        figures[outcome] = _int_array(np.where(given, total, np.nan))
    present = set(fig.party.tolist())
    parties = [
        (code, party)
        for code, party in enumerate(ds.vocab.parties)
        if all_parties or code in present
    ]
    for code, outcome in enumerate(ds.vocab.outcomes):
        of_outcome = fig.outcome == code
        for party_code, party in parties:
            # fig has one entry per incident x party x outcome: the party's figure, or NA
            mine = of_outcome & (fig.party == party_code)
            values = np.full(n, np.nan)
            values[fig.position[mine]] = fig.figure[mine]
            figures[f"{outcome}_{party}"] = _int_array(values)
    # the incident's own columns, its place's after its place_id, then the figures
    head = [
        *own[: own.index("place_id") + 1],
        *place_columns,
        *own[own.index("geo_precision") : own.index("source_id")],
    ]
    tail = ["source_id", "outlet", "summary"]
    out = pd.DataFrame(
        {c: column[c] for c in head} | figures | {c: column[c] for c in tail},
        index=pd.RangeIndex(n),
    )
    # labelled as merging the incidents' columns labels them: new labels joined to theirs
    # (whose strings are held as pandas held them when the incidents were read)
    out.columns = inc.columns[:0].append(out.columns)
    return out


def _merge_rows(keys: pd.Series, table_keys: pd.Series) -> np.ndarray | None:
    """The row of ``table_keys`` each of ``keys`` is paired with by a many-to-one left
    merge, or ``None`` where a merge does more than pair rows (a key missing or repeated
    in ``table_keys``, keys of two dtypes): pandas' merge must then say what it gives."""
    if keys.dtype != table_keys.dtype:
        return None
    index = pd.Index(table_keys)
    if not index.is_unique:
        return None
    rows = index.get_indexer(keys)
    return None if (rows < 0).any() else rows


def attacks(ds: Dataset) -> pd.DataFrame:
    """The incidents that are attacks (``ds.vocab.attack_types``), as :func:`incident_table`.

    >>> from kirkuk_analysis import load
    >>> "arrest" in set(attacks(load()).event_type)
    False
    """
    require_dataset(ds, "attacks")
    table = incident_table(ds)
    return table[table.event_type.isin(ds.vocab.attack_types)].reset_index(drop=True)


def incident_months(ds: Dataset) -> np.ndarray:
    """The month each incident of ``ds`` is counted in, as months since 1970-01 (a monthly
    ``Period``'s ordinal): the month of the middle of its date range, or, in a selection
    (:func:`select`), of the part of its range inside the selection's period, so that an
    attack dated "late April or early May" is not counted in April by a May selection.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> len(incident_months(ds)) == len(ds.incidents)
    True
    """
    require_dataset(ds, "incident_months")
    start = ds.incidents["date_start"].to_numpy()
    end = ds.incidents["date_end"].to_numpy()
    chosen = ds.selection
    # numpy's maximum and minimum keep NaT, as pandas' clip does
    if chosen is not None and chosen.start is not None:
        start = np.maximum(start, np.datetime64(pd.Timestamp(chosen.start)))
    if chosen is not None and chosen.end is not None:
        end = np.minimum(end, np.datetime64(pd.Timestamp(chosen.end)))
    middle = (start + (end - start) / 2).astype("datetime64[M]")
    return middle.astype("int64")


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Each value's position in ``categories`` (-1: missing, or none of them), as int64."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.tolist() == list(categories):
        # already coded against these categories (every loaded vocabulary column)
        return values.cat.codes.to_numpy().astype("int64")
    return pd.Categorical(values, categories=categories).codes.astype("int64")


def monthly(ds: Dataset, by: str | None = None) -> pd.DataFrame:
    """Incidents and recorded casualties per month, optionally per province or party.

    Each incident is counted once, in the month of the middle of its date range (a
    month-precise "in April" in April; a range across two months in the month holding
    most of it), in a selection of the part of its range inside the period
    (:func:`incident_months`). ``uncertain`` counts the incidents whose range is wider than one day.

    ``by=None``: one row per month from the first to the last incident (months without
    incidents have 0 recorded incidents and casualties). ``by="province"``: one row per
    month x province (of the incident's place). ``by="party"``: one row per month x party:
    ``incidents`` counts the incidents targeting that party, the casualty columns that
    party's recorded killed / wounded / captured.

    A casualty column adds the figures the articles give (nullable ``Int64``): it is
    missing (``<NA>``), never 0, where the row has incidents but none of them has a figure
    for it (codebook §4: unknown is empty), and 0 where a figure of 0 is recorded or the
    month has no incident at all.

    Columns: ``month`` (a monthly ``Period``), the ``by`` column, ``incidents``,
    ``attacks``, ``uncertain``, ``killed``, ``wounded``, ``captured``.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> m = monthly(ds)
    >>> list(m.columns)
    ['month', 'incidents', 'attacks', 'uncertain', 'killed', 'wounded', 'captured']
    >>> int(m.incidents.sum()) == len(ds.incidents)  # each incident in one month
    True
    """
    require_dataset(ds, "monthly")
    if by not in (None, "province", "party"):
        raise ValueError(f"by must be None, 'province' or 'party', not {by!r}")
    # Everything below works on integer codes with numpy: grouping 10^6 rows by strings or
    # Period objects is several times slower than the whole load, and on a few hundred
    # rows pandas' groupby, join and reindex cost far more than the counting.
    inc = ds.incidents
    month = incident_months(ds)
    outcomes = ds.vocab.outcomes
    fig = _figure_codes(ds)
    attack = _isin(inc["event_type"], ds.vocab.attack_types)
    uncertain = (inc["date_end"].to_numpy() > inc["date_start"].to_numpy()).astype("int64")
    # a row of the result is a month (by=None), or a month and the incident's province, or
    # a month and a party: the incident's target for the tallies, the casualty row's party
    # for the figures
    incident_keys, figure_keys = [month], [month[fig.position]]
    if by == "province":
        place = pd.Index(ds.places["place_id"]).get_indexer(inc["place_id"])
        province = _codes(ds.places["province"], ds.places["province"].dtype.categories)[place]
        incident_keys.append(province)
        figure_keys.append(province[fig.position])
    elif by == "party":
        incident_keys.append(_codes(inc["target"], ds.vocab.parties))
        figure_keys.append(fig.party)
    # the rows: every key an incident or a casualty figure has, in order
    keys, group = _groups(
        *(np.concatenate(pair) for pair in zip(incident_keys, figure_keys, strict=True))
    )
    n_rows, n_incidents = len(keys[0]), len(month)
    incident_group, figure_group = group[:n_incidents], group[n_incidents:]
    columns = {
        "incidents": np.bincount(incident_group, minlength=n_rows),
        "attacks": np.bincount(incident_group, weights=attack, minlength=n_rows),
        "uncertain": np.bincount(incident_group, weights=uncertain, minlength=n_rows),
    }
    known = ~np.isnan(fig.figure)
    for code, outcome in enumerate(outcomes):
        # NaN where no incident of the row gives a figure of the outcome: unknown, not 0
        mine = known & (fig.outcome == code)
        total = np.bincount(figure_group[mine], weights=fig.figure[mine], minlength=n_rows)
        given = np.bincount(figure_group[mine], minlength=n_rows) > 0
        columns[outcome] = np.where(given, total, np.nan)
    if by is None and n_rows:
        # every month from the first to the last: one without incidents has none recorded
        months = np.arange(keys[0][0], keys[0][-1] + 1)
        at = np.searchsorted(months, keys[0])
        for name, values in columns.items():
            filled = np.zeros(len(months), dtype=values.dtype)
            filled[at] = values
            columns[name] = filled
        keys = [months]
    out = {"month": pd.PeriodIndex.from_ordinals(keys[0], freq="M")}
    if by == "province":
        out["province"] = pd.Categorical.from_codes(keys[1], dtype=ds.places["province"].dtype)
    elif by == "party":
        out["party"] = pd.Categorical.from_codes(keys[1], dtype=_categories(ds.vocab.parties))
    for name in ("incidents", "attacks", "uncertain"):
        out[name] = columns[name].astype("int64")
    for outcome in outcomes:
        out[outcome] = _int_array(columns[outcome])
    return pd.DataFrame(out)


def _groups(*keys: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Rows grouped by integer key columns, as a sorted ``groupby(keys)`` groups them.

    Returns the distinct key tuples (one array per key column, sorted by the first key,
    then the next) and each row's group (its position among them).

    >>> _groups(np.array([5, 3, 5, 3]), np.array([1, 2, 0, 2]))
    ([array([3, 5, 5]), array([2, 0, 1])], array([2, 0, 1, 0]))
    """
    n = len(keys[0])
    if n == 0:
        return [k[:0] for k in keys], np.zeros(0, dtype="int64")
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low + 1 for k, low in zip(keys, lows, strict=True)]
    cells = int(np.prod(spans, dtype=object))
    if cells <= 4 * n + 4096:
        # few possible key tuples (months x provinces or parties): a row's cell in the
        # table of them all, in order, and the cells some row has are the groups; no sort
        cell = np.ravel_multi_index([k - low for k, low in zip(keys, lows, strict=True)], spans)
        taken = np.bincount(cell, minlength=cells) > 0
        distinct = np.unravel_index(np.flatnonzero(taken), spans)
        group = (np.cumsum(taken) - 1)[cell]
        return [d.astype("int64") + low for d, low in zip(distinct, lows, strict=True)], group
    order = np.lexsort(keys[::-1])
    ordered = [k[order] for k in keys]
    starts = np.zeros(n, dtype=bool)
    starts[:1] = True
    for k in ordered:
        starts[1:] |= k[1:] != k[:-1]
    group = np.empty(n, dtype="int64")
    group[order] = np.cumsum(starts) - 1
    return [k[starts] for k in ordered], group


def _isin(values: pd.Series, wanted) -> np.ndarray:
    """``values.isin(wanted)`` as a numpy bool array; a categorical column is tested once
    per category rather than once per row."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        chosen = set(wanted)
        per_category = np.array([c in chosen for c in dtype.categories.tolist()] + [False])
        return per_category[values.cat.codes.to_numpy()]  # code -1 (missing): the False
    return values.isin(wanted).to_numpy(dtype=bool)


def months_without_figure(ds: Dataset, outcome: str = "killed") -> pd.Series:
    """How many incidents of each month give no ``outcome`` figure: a Series of counts
    indexed by month (monthly ``Period``), holding only the months that have such an
    incident, in order.

    Each incident is in the month :func:`monthly` counts it in. Such a month's figure in
    :func:`monthly` is missing when none of its incidents gives one, and otherwise adds
    up only the incidents that do (codebook §4: unknown is not 0): its total is then a
    floor. Under a selection of parties, a figure is one of those parties'.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> unknown = months_without_figure(ds, "killed")
    >>> int(unknown.sum()) == int(incident_table(ds).killed.isna().sum())
    True
    """
    require_dataset(ds, "months_without_figure")
    if outcome not in ds.vocab.outcomes:
        raise ValueError(f"outcome must be one of {', '.join(ds.vocab.outcomes)}, not {outcome!r}")
    fig = _figure_codes(ds)
    code = list(ds.vocab.outcomes).index(outcome)
    given = fig.position[(fig.outcome == code) & ~np.isnan(fig.figure)]
    lacking = np.ones(len(ds.incidents), dtype=bool)
    lacking[given] = False
    months, counts = np.unique(incident_months(ds)[lacking], return_counts=True)
    return pd.Series(
        counts.astype("int64"),
        index=pd.PeriodIndex.from_ordinals(months, freq="M"),
        name=f"incidents_without_{outcome}",
    ).rename_axis("month")


@dataclass(frozen=True)
class ResponseLag:
    """The two views of :func:`response_lag`: ``steps`` and ``attacks``."""

    steps: pd.DataFrame
    attacks: pd.DataFrame


#: The longest window response_lag takes: a century of days, beyond any record here.
_MAX_WINDOW_DAYS = 36_525


def response_lag(ds: Dataset, window_days: int = 30, kinds=None) -> ResponseLag:
    """How coordination steps follow attacks, and attacks follow steps.

    ``steps``: one row per coordination step (of ``kinds``, names matched as a
    selection's are; default, and ``[]``, all; e.g.
    ``kinds=["meeting", "agreement", "implementation"]`` leaves out ``context`` such as
    coalition base handovers), with

    * ``attacks_in_window``: attacks whose whole date range lies in the ``window_days``
      days before the step's first possible day; ``killed_in_window`` their recorded
      killed (all parties);
    * ``attacks_maybe_in_window``: attacks whose range only overlaps the window;
    * ``days_since_attack``: days from the last attack known to precede the step (its
      ``date_end``) to the step's ``date_start``; ``previous_attack`` its id.

    ``attacks``: one row per attack with ``days_to_next_step`` (from the attack's
    ``date_end`` to the ``date_start`` of the first step starting after it), and
    ``next_step``/``next_step_kind``.

    >>> from kirkuk_analysis import load
    >>> lag = response_lag(load(), window_days=30)
    >>> list(lag.steps.columns[-5:])  # doctest: +NORMALIZE_WHITESPACE
    ['attacks_in_window', 'attacks_maybe_in_window', 'killed_in_window',
     'days_since_attack', 'previous_attack']
    >>> bool((lag.attacks.days_to_next_step.dropna() > 0).all())  # next: strictly after
    True
    """
    require_dataset(ds, "response_lag")
    if (
        isinstance(window_days, bool)
        or not isinstance(window_days, int | np.integer)
        or not 0 <= window_days <= _MAX_WINDOW_DAYS
    ):
        raise SelectionError(
            f"window_days must be a whole number of days from 0 to {_MAX_WINDOW_DAYS}, "
            f"not {window_days!r}"
        )
    steps = ds.coordination
    # matched as a selection's names are (case and spaces aside); none or [] is every kind
    kinds = _choose("kind", kinds, tuple(ds.vocab.kinds))
    if kinds:
        steps = steps[steps.kind.isin(kinds)]
    steps = steps.reset_index(drop=True)
    att = attacks(ds)
    a_start = att.date_start.to_numpy()
    a_end = att.date_end.to_numpy()
    killed = att.killed.fillna(0).to_numpy(dtype="int64")
    s_start = steps.date_start.to_numpy()
    window = np.timedelta64(window_days, "D")
    day = np.timedelta64(1, "D")

    lo = (s_start - window)[:, None]
    hi = (s_start - day)[:, None]
    certain = (a_start[None, :] >= lo) & (a_end[None, :] <= hi)
    overlapping = (a_end[None, :] >= lo) & (a_start[None, :] <= hi)
    before = a_end[None, :] < s_start[:, None]
    last = _last_before(a_end, s_start)
    previous = np.full(len(steps), None, dtype=object)
    for i, when in enumerate(last):
        if not np.isnat(when):
            previous[i] = att.incident_id[before[i] & (a_end == when)].iloc[-1]
    since = (s_start - last) / day
    step_out = steps[
        [
            "step_id",
            "date_start",
            "date_end",
            "date_precision",
            "kind",
            "status",
            "parties",
            "place_id",
        ]
    ].copy()
    step_out["attacks_in_window"] = certain.sum(axis=1)
    step_out["attacks_maybe_in_window"] = (overlapping & ~certain).sum(axis=1)
    step_out["killed_in_window"] = (certain * killed[None, :]).sum(axis=1)
    step_out["days_since_attack"] = pd.array(np.where(np.isnan(since), pd.NA, since), dtype="Int64")
    step_out["previous_attack"] = pd.array(previous, dtype="str")

    after = s_start[None, :] > a_end[:, None]
    first = _first_after(s_start, a_end)
    next_id = np.full(len(att), None, dtype=object)
    next_kind = np.full(len(att), None, dtype=object)
    for i, when in enumerate(first):
        if not np.isnat(when):
            j = int(np.flatnonzero(after[i] & (s_start == when))[0])
            next_id[i], next_kind[i] = steps.step_id.iat[j], steps.kind.iat[j]
    to_next = (first - a_end) / day
    att_out = att[
        [
            "incident_id",
            "date_start",
            "date_end",
            "date_precision",
            "province",
            "event_type",
            "target",
            "killed",
        ]
    ].copy()
    att_out["days_to_next_step"] = pd.array(
        np.where(np.isnan(to_next), pd.NA, to_next), dtype="Int64"
    )
    att_out["next_step"] = pd.array(next_id, dtype="str")
    att_out["next_step_kind"] = pd.Categorical(next_kind, dtype=steps.kind.dtype)
    return ResponseLag(steps=step_out, attacks=att_out)


def _last_before(a_end: np.ndarray, s_start: np.ndarray) -> np.ndarray:
    """For each step start, the latest attack end strictly before it (NaT if none)."""
    ends = np.sort(a_end[~np.isnat(a_end)])
    idx = np.searchsorted(ends, s_start, side="left") - 1
    out = np.full(len(s_start), np.datetime64("NaT"), dtype=s_start.dtype)
    ok = idx >= 0
    out[ok] = ends[idx[ok]]
    return out


def _first_after(s_start: np.ndarray, a_end: np.ndarray) -> np.ndarray:
    """For each attack end, the earliest step start strictly after it (NaT if none)."""
    starts = np.sort(s_start[~np.isnat(s_start)])
    idx = np.searchsorted(starts, a_end, side="right")
    out = np.full(len(a_end), np.datetime64("NaT"), dtype=a_end.dtype)
    ok = idx < len(starts)
    out[ok] = starts[idx[ok]]
    return out


#: The casualty outcomes a claim's ``metric`` counts (other metrics count no casualties).
CLAIM_OUTCOMES = {
    "killed": ("killed",),
    "wounded": ("wounded",),
    "captured": ("captured",),
    "casualties": ("killed", "wounded"),
}
#: The Iraqi federal forces a claim about ``iraqi_security_forces`` (branch unspecified)
#: includes; the Kurdistan Region's forces and the coalition are not among them.
IRAQI_FORCES = (
    "iraqi_army",
    "federal_police",
    "local_police",
    "pmf",
    "national_security",
    "counter_terrorism",
    "iraqi_security_forces",
)


def _items(cell) -> list[str]:
    return [] if pd.isna(cell) else [i for i in str(cell).split(";") if i]


def claim_parties(party) -> set[str] | None:
    """The casualty parties a claim's ``party`` cell counts; ``None`` for any party (empty).

    >>> sorted(claim_parties("peshmerga;civilians"))
    ['civilians', 'peshmerga']
    >>> "federal_police" in claim_parties("iraqi_security_forces")
    True
    """
    items = _items(party)
    if not items:
        return None
    out = set(items)
    if "iraqi_security_forces" in out:
        out.update(IRAQI_FORCES)
    return out


def claim_figures(ds: Dataset) -> pd.DataFrame:
    """Every incident figure each casualty claim could include, listed in ``overlaps`` or not.

    One row per claim x incident figure (incident x party x outcome, the largest across
    sources, from :func:`casualty_figures`) whose outcome the claim's ``metric`` counts
    and whose party it names. Columns ``claim_id``, ``incident_id``, ``party``,
    ``outcome``, ``figure`` and ``listed`` (the incident is in the claim's ``overlaps``).
    Claims that count no casualties (attacks, gap widths) have no rows.

    >>> from kirkuk_analysis import load
    >>> f = claim_figures(load())
    >>> bool(f.outcome.isin(["killed", "wounded", "captured"]).all())
    True
    """
    require_dataset(ds, "claim_figures")
    codes = _figure_codes(ds)
    counted = _claim_rows(ds, codes, ds.claims)
    columns = ["claim_id", "incident_id", "party", "outcome", "figure", "listed"]
    if not counted:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    fig = _figure_frame(ds, codes)
    entries = np.concatenate([entry for _, entry, _ in counted])
    claim_ids = [claim_id for claim_id, entry, _ in counted for _ in range(len(entry))]
    return pd.DataFrame(
        {
            "claim_id": pd.array(claim_ids, dtype="str"),
            **{c: fig[c].array.take(entries) for c in columns[1:5]},
            "listed": np.concatenate([listed for _, _, listed in counted]),
        }
    )


def _claim_rows(ds: Dataset, codes: _Figures, claims: pd.DataFrame) -> list:
    """The work of :func:`claim_figures`: for each casualty claim of ``claims``, in order,
    ``(claim_id, entries, listed)``: the entries of ``codes`` (the counting rule's
    figures of ``ds``) whose outcome the claim's metric counts and whose party it names,
    and whether each one's incident is in the claim's ``overlaps``."""
    ids = ds.incidents["incident_id"].to_numpy()[codes.position]
    outcome_code = {o: i for i, o in enumerate(ds.vocab.outcomes)}
    party_code = {p: i for i, p in enumerate(ds.vocab.parties)}
    out = []
    columns = (claims[c] for c in ("claim_id", "metric", "party", "overlaps"))
    for claim_id, metric, party, overlaps in zip(*columns, strict=True):
        outcomes = CLAIM_OUTCOMES.get(str(metric))
        if outcomes is None:
            continue
        # a look-up table per claim: is a figure's outcome (party) one the claim counts?
        counts_outcome = np.zeros(len(outcome_code), dtype=bool)
        counts_outcome[[outcome_code[o] for o in outcomes if o in outcome_code]] = True
        keep = counts_outcome[codes.outcome]
        parties = claim_parties(party)
        if parties is not None:
            names = np.zeros(len(party_code), dtype=bool)
            names[[party_code[p] for p in parties if p in party_code]] = True
            keep &= names[codes.party]
        entries = np.flatnonzero(keep)
        overlapped = set(_items(overlaps))
        listed = np.array([i in overlapped for i in ids[entries]], dtype=bool)
        out.append((claim_id, entries, listed))
    return out


def claims_summary(ds: Dataset) -> pd.DataFrame:
    """The aggregate claims beside the incident figures they overlap, never added to them.

    One row per claim: its period, claimant, metric, party, ``best``/``low``/``high``,
    ``overlaps``; ``incident_figure``: the recorded figure of the overlapped incidents for
    the same metric and parties (killed / wounded / captured only; ``casualties`` counts
    killed and wounded; a claim about ``iraqi_security_forces`` includes every Iraqi
    federal force, :data:`IRAQI_FORCES`); ``beyond_incidents``: how much of the claim
    (``best``, else ``low``) the incident tables do not describe (``NA`` when either is
    unknown); ``contradiction``: the claim's total is smaller than the incidents it says
    it includes (``incident_figure`` above the claim's ``high``; an open-ended "at least
    N", whose ``high`` is empty, contradicts nothing). A claim above its incidents is no
    contradiction: it also counts attacks the tables do not describe. ``contradicts``: the
    claims of other articles whose figures cannot both hold with this one's
    (:func:`_claim_conflicts`; ";"-joined ids, "" for none).

    A contradiction is recorded, not repaired: both figures stay as the sources give them.

    >>> from kirkuk_analysis import load
    >>> s = claims_summary(load())
    >>> bool((s.beyond_incidents == s.best.fillna(s.low) - s.incident_figure).dropna().all())
    True
    """
    require_dataset(ds, "claims_summary")
    cla = ds.claims
    # A claim's incidents may lie outside a selection (another province, before the period):
    # their figures come from the whole package, so a selection never changes a verdict.
    whole = ds.whole if ds.whole else ds
    codes = _figure_codes(whole)
    # the figures of a claim's listed incidents, added (a claim id's, should it repeat)
    totals: dict = {}
    for claim_id, entries, listed in _claim_rows(whole, codes, cla):
        figures = codes.figure[entries[listed]]
        for figure in figures[~np.isnan(figures)].tolist():
            totals[claim_id] = totals.get(claim_id, 0.0) + figure
    claim_ids = cla["claim_id"].tolist()
    # NaN: no listed incident gives a figure of what the claim counts
    incident_figure = np.array([totals.get(c, np.nan) for c in claim_ids], dtype="float64")
    best = cla["best"].to_numpy(dtype="float64", na_value=np.nan)
    low = cla["low"].to_numpy(dtype="float64", na_value=np.nan)
    high = cla["high"].to_numpy(dtype="float64", na_value=np.nan)
    claimed = np.where(np.isnan(best), low, best)
    columns = [
        "claim_id",
        "period_start",
        "period_end",
        "claimant",
        "metric",
        "party",
        "best",
        "low",
        "high",
        "place_id",
        "overlaps",
        "source_id",
    ]
    out = pd.DataFrame(
        {c: cla[c].array for c in columns}
        | {
            "incident_figure": pd.array(incident_figure, dtype="Float64"),
            "beyond_incidents": pd.array(claimed - incident_figure, dtype="Float64"),
            "contradiction": incident_figure > high,  # False where either is unknown
        },
        index=cla.index,
    )
    # labelled as the claims' own columns, the new ones added as assigning them adds them
    labels = _labels(cla, columns)
    for name in out.columns[len(columns) :]:
        labels = labels.insert(len(labels), name)
    out.columns = labels
    out["contradicts"] = _claim_conflicts(cla, cla)
    return out


#: Claim metrics that add up over time: a total for a period holds at least what any
#: part of it holds. A count at one time (militants present) or a measure (the gap's
#: width) does not, and neither does a metric added to the vocabulary, until named here.
CUMULATIVE_METRICS = ("killed", "wounded", "captured", "casualties", "attacks", "attacks_claimed")


def _claim_conflicts(claims: pd.DataFrame, others: pd.DataFrame) -> list[str]:
    """For each claim of ``claims``: the ids (";"-joined, "" for none) of the claims of
    ``others``, from another article, of the same cumulative metric, party and place,
    whose figures cannot both hold with its own: one's period holds the other's, yet its
    total (its ``high``) is below the other's least (``low``, else ``best``). "12 attacks
    by 15 March" and "8 attacks by 17 March" of the same month contradict each other."""

    def key(r) -> tuple:
        parties = "" if pd.isna(r.party) else ";".join(sorted(str(r.party).split(";")))
        place = "" if pd.isna(r.place_id) else str(r.place_id)
        return (str(r.metric), parties, place)

    pool: dict[tuple, list] = {}
    records = _claim_records(others)
    for r in records:
        if str(r.metric) in CUMULATIVE_METRICS:
            pool.setdefault(key(r), []).append(r)

    def holds(a, b) -> bool:
        # a's period holds b's; an empty start is one the article does not give, so a
        # period without it holds, and is held by, none that can be told
        if pd.isna(a.period_start) or pd.isna(b.period_start):
            return False
        return a.period_start <= b.period_start and a.period_end >= b.period_end

    def least(r):
        return r.low if not pd.isna(r.low) else r.best

    out = []
    # claims_summary's case, claims of the package against themselves: read them once
    for r in records if claims is others else _claim_records(claims):
        found = []
        for o in pool.get(key(r), []) if str(r.metric) in CUMULATIVE_METRICS else []:
            if str(o.claim_id) == str(r.claim_id) or str(o.source_id) == str(r.source_id):
                continue
            wider_smaller = (
                holds(r, o)
                and not pd.isna(r.high)
                and not pd.isna(least(o))
                and (r.high < least(o))
            )
            narrower_larger = (
                holds(o, r)
                and not pd.isna(o.high)
                and not pd.isna(least(r))
                and (o.high < least(r))
            )
            if wider_smaller or narrower_larger:
                found.append(str(o.claim_id))
        out.append(";".join(found))
    return out


#: The cells of a claim :func:`_claim_conflicts` reads.
_ClaimRecord = namedtuple(
    "_ClaimRecord",
    "claim_id metric party place_id period_start period_end best low high source_id",
)


def _claim_records(claims: pd.DataFrame) -> list:
    """Each claim's cells that :func:`_claim_conflicts` reads, one record per row: the
    values ``itertuples`` would give, read a column at a time (reading every column of
    every row costs more than all the comparisons)."""
    return list(
        map(_ClaimRecord._make, zip(*(claims[c] for c in _ClaimRecord._fields), strict=True))
    )
