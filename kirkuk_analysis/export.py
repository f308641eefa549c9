"""The incidents in other projects' layouts: ACLED, UCDP GED and RFC 7946 GeoJSON.

``kirkuk-analysis export --format acled|ucdp|geojson [--output PATH]`` calls these.

Every export has one row (or feature) per incident, with the whole event's figures (a
selection of parties chooses the incidents, never shrinks their tolls), and keeps our
``incident_id`` (ACLED ``event_id_cnty``, UCDP ``id``) so a row can be traced back. The
crosswalks are the tables :data:`ACLED_EVENT_TYPES` and :data:`ACTORS` below (the codebook
repeats them).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kirkuk_analysis.analysis import casualty_figures, differing_figures, incident_table
from kirkuk_analysis.data import Dataset, require_dataset

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_EVENT_TYPES",
    "ACLED_INTER",
    "ACTORS",
    "STATE_FORCES",
    "UCDP_GOVERNMENT",
    "FOREIGN_FORCES",
    "ExportError",
    "to_acled",
    "to_geojson",
    "to_ucdp",
]

#: ACLED (event_type, sub_event_type) for each of our event types. The three kinds of
#: armed attack become "Violence against civilians / Attack" when the target is civilians.
ACLED_EVENT_TYPES = {
    "armed_clash": ("Battles", "Armed clash"),
    "armed_assault": ("Battles", "Armed clash"),
    "ambush": ("Battles", "Armed clash"),
    "explosive_device": ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    "foiled_suicide_attack": ("Strategic developments", "Disrupted weapons use"),
    "abduction": ("Violence against civilians", "Abduction/forced disappearance"),
    "arrest": ("Strategic developments", "Arrests"),
}
ACLED_CIVILIAN_TARGET = ("Violence against civilians", "Attack")

#: Actor names (ACLED style) for our parties.
ACTORS = {
    "isis": "Islamic State (Iraq)",
    "peshmerga": "Peshmerga Forces (Kurdistan Region)",
    "iraqi_army": "Military Forces of Iraq (2018-)",
    "federal_police": "Police Forces of Iraq (2018-)",
    "local_police": "Police Forces of Iraq (2018-)",
    "pmf": "Popular Mobilization Forces",
    "asayish": "Asayish (Kurdistan Region)",
    "national_security": "National Security Service of Iraq",
    "counter_terrorism": "Counter Terrorism Service of Iraq",
    "iraqi_security_forces": "Military Forces of Iraq (2018-)",
    "coalition": "Operation Inherent Resolve",
    "civilians": "Civilians (Iraq)",
    "unknown": "Unidentified Armed Group (Iraq)",
}

#: ACLED's actor type (``inter1``/``inter2``, its numeric codes) for our parties: 1 state
#: forces (the Kurdistan Region's and the PMF, as UCDP side a below), 2 rebel groups, 3
#: political militias (where ACLED files unidentified armed groups), 7 civilians, 8
#: external/other forces (foreign forces outside their own country).
ACLED_INTER = {
    "isis": 2,
    "peshmerga": 1,
    "iraqi_army": 1,
    "federal_police": 1,
    "local_police": 1,
    "pmf": 1,
    "asayish": 1,
    "national_security": 1,
    "counter_terrorism": 1,
    "iraqi_security_forces": 1,
    "coalition": 8,
    "civilians": 7,
    "unknown": 3,
}

#: ACLED's columns, in its order (the layout of an ACLED export file).
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip

#: UCDP GED's name for side a of a state-based event here.
UCDP_GOVERNMENT = "Government of Iraq"

#: State forces of other governments (of :data:`STATE_FORCES`): on the government's side
#: in a state-based event (UCDP: a secondary supporting party), but never named the
#: Government of Iraq when they act alone (against civilians, or against Iraqi forces).
FOREIGN_FORCES = ("coalition",)

#: ACLED time_precision: 1 = the day is known, 2 = the week or a few days, 3 = the month
#: or wider.
ACLED_TIME_PRECISION = {"day": 1, "week": 2, "month": 3, "year": 3}

#: Parties that are state forces (UCDP side a: the Government of Iraq; the Peshmerga and
#: Asayish are the Kurdistan Region's forces, coded with it).
STATE_FORCES = (
    "peshmerga",
    "iraqi_army",
    "federal_police",
    "local_police",
    "pmf",
    "asayish",
    "national_security",
    "counter_terrorism",
    "iraqi_security_forces",
    "coalition",
)


class ExportError(ValueError):
    """The package holds a value the crosswalk has no entry for: exporting it would lose it."""


def _check_crosswalk(ds: Dataset, layout: str, columns: dict[str, dict]) -> None:
    """Raise :class:`ExportError` naming every value of the incidents' ``columns`` (column
    -> its crosswalk table) the table has no entry for: a vocabulary extended in the data
    package (codebook §3) needs its row here and in codebook §7 before it can be exported,
    rather than an empty cell or a death left out."""
    missing = []
    for column, table in columns.items():
        values = ds.incidents[column].dropna().astype(str).unique()
        missing += [f"{column} {v!r}" for v in sorted(values) if v not in table]
    if "party" not in columns:
        parties = ds.casualties.party.dropna().astype(str).unique()
        missing += [f"party {p!r}" for p in sorted(parties) if p not in ACTORS]
    if missing:
        raise ExportError(
            f"no {layout} crosswalk for {', '.join(missing)}: add it to the tables of "
            "kirkuk_analysis/export.py and codebook §7 (a value the crosswalk lacks would be "
            "exported empty, or its deaths left out)"
        )


def _whole_events(ds: Dataset) -> Dataset:
    """``ds`` with every party's casualties of its incidents: an ACLED or GED row is a whole
    event, so a selection of parties (which keeps only their figures) chooses the events
    but never shrinks their tolls."""
    chosen = getattr(getattr(ds, "selection", None), "parties", None)
    if not chosen or ds.whole is None:
        return ds
    every = ds.whole.casualties
    return ds.replace(casualties=every[every.incident_id.isin(ds.incidents.incident_id)])


def _typed(out: pd.DataFrame, ints=(), counts=(), floats=(), flags=()) -> pd.DataFrame:
    """``out`` with one dtype per column whatever its rows (an empty selection's columns
    were inferred as float or object) and whether pyarrow is installed: ``ints`` int64,
    ``counts`` nullable Int64 (a figure may be unknown), ``floats`` float64, ``flags`` bool,
    the rest text (pandas' ``str``)."""
    kinds = {c: "int64" for c in ints} | {c: "Int64" for c in counts}
    kinds |= {c: "float64" for c in floats} | {c: "bool" for c in flags}
    return out.astype({c: kinds.get(c, "str") for c in out.columns})


def _iso(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m-%d")


def _party_sum(table: pd.DataFrame, outcome: str, parties) -> pd.Series:
    cols = [f"{outcome}_{p}" for p in parties if f"{outcome}_{p}" in table.columns]
    if not cols:
        return pd.Series(pd.NA, index=table.index, dtype="Int64")
    return table[cols].sum(axis=1, min_count=1).astype("Int64")


def _sum_known(*parts: pd.Series) -> pd.Series:
    """The sum of the known values of ``parts``, row by row; NA where none is known."""
    return pd.concat(parts, axis=1).sum(axis=1, min_count=1).astype("Int64")


def _killed_notes(ds: Dataset, ids: pd.Series) -> pd.Series:
    """For each incident of ``ids``, what its killed total is beyond a plain count: "" for
    a count (or none), else a sentence for an export's notes (a floor, a range, deaths
    reported without a figure)."""
    fig = casualty_figures(ds)
    fig = fig[fig.outcome == "killed"]
    said = {}
    for incident, rows in fig.groupby("incident_id", sort=False, observed=True):
        known = rows[rows.figure.notna()]
        total = int(known.figure.sum()) if len(known) else None
        # open-ended with no ceiling above the figure: "at least N"; a range ("3 to 5
        # killed") is open-ended too (its figure is its low), but it has its ceiling
        floor = known.open_ended & ~(known.high > known.figure)
        if total is None:
            said[incident] = "Deaths reported without a figure."
        elif bool(floor.any()) or len(known) < len(rows):
            said[incident] = f"Killed: at least {total} (a floor)."
        elif int(known.high.sum()) > total:
            said[incident] = f"Killed: {total} to {int(known.high.sum())}."
    return ids.map(lambda i: said.get(i, "")).astype(object)


def _lowest_killed(ds: Dataset) -> pd.Series:
    """Per incident (index incident_id), the sum over parties of the least killed figure
    any source gives (a row's ``low``, else its ``best``); missing where none gives one."""
    cas = ds.casualties[ds.casualties.outcome.astype(str) == "killed"]
    row_low = cas["low"].astype("Float64").fillna(cas["best"].astype("Float64"))
    keys = [cas.incident_id.astype(str), cas.party.astype(str)]
    least = row_low.groupby(keys, observed=True).min()  # NA rows skipped
    return least.groupby(level=0).sum(min_count=1)


def _figure_text(low, best, high) -> str:
    """One source's figure in words (codebook §4): a count "3" (best, high equal), "at
    least 3" (high empty), a range "3 to 5" (best empty), "no figure".

    >>> _figure_text(3, 3, 3), _figure_text(3, 3, None), _figure_text(3, None, 5)
    ('3', 'at least 3', '3 to 5')
    """
    figure = best if pd.notna(best) else low
    if pd.isna(figure):
        return "no figure"
    if pd.isna(high):
        return f"at least {int(figure)}"
    if pd.isna(best) or int(high) > int(figure):
        return f"{int(figure)} to {int(high)}"
    return str(int(figure))


def _disagreement_notes(ds: Dataset, ids: pd.Series) -> pd.Series:
    """For each incident of ``ids``: "" where its sources agree on the killed, else a
    sentence naming each source's figure ("Sources differ on the killed: Peshmerga:
    Rudaw 2, KirkukNow 3; the largest is counted."): an export shows one number, and its
    reader should know the articles do not."""
    differ = differing_figures(ds, "killed")
    outlet = ds.sources.set_index("source_id").outlet.astype(str)
    said = {}
    for incident, rows in differ.groupby(differ.incident_id.astype(str), sort=False):
        parts = []
        for party, per in rows.groupby(rows.party.astype(str), sort=False):
            figures = ", ".join(
                f"{outlet.get(str(r.source_id), r.source_id)} {_figure_text(r.low, r.best, r.high)}"
                for r in per.itertuples()
            )
            parts.append(f"{ds.vocab.label('party', party)}: {figures}")
        said[incident] = (
            f"Sources differ on the killed: {'; '.join(parts)}; the largest is counted."
        )
    return ids.astype(str).map(lambda i: said.get(i, "")).astype(object)


def _outlets(ds: Dataset, t: pd.DataFrame) -> list[list[str]]:
    """For each incident of ``t`` (an :func:`incident_table`), the source_ids of every
    article whose figures its row adds: the incident's own, then its casualty rows'."""
    others = ds.casualties.groupby(ds.casualties.incident_id.astype(str), sort=False)
    others = others["source_id"].agg(lambda s: list(dict.fromkeys(s.astype(str))))
    return [
        list(dict.fromkeys([*([str(own)] if pd.notna(own) else []), *others.get(str(i), [])]))
        for i, own in zip(t.incident_id, t.source_id, strict=True)
    ]


def to_acled(ds: Dataset) -> pd.DataFrame:
    """The incidents in ACLED's column layout (one row per incident).

    * ``event_date`` is ``date_start`` (the first possible day); ``time_precision``
      1 (day), 2 (week), 3 (month or year); the range is written in ``notes``.
    * ``event_type``/``sub_event_type`` from :data:`ACLED_EVENT_TYPES`; ``actor1`` the
      perpetrator, ``actor2`` the target (:data:`ACTORS`); ``inter1``/``inter2`` their
      actor types (:data:`ACLED_INTER`, ACLED's numeric codes) and ``interaction`` the two,
      the lower first (``12``: state forces and a rebel group); ``civilian_targeting``
      "Civilian targeting" where civilians are the target.
    * ``admin1`` the province, ``admin2`` the district, ``location`` the place name,
      ``geo_precision`` ours (the same 1/2/3 meaning as ACLED's).
    * ``source`` every outlet whose figures the row adds ("; " between them).
    * The columns are ACLED's, in its order (:data:`ACLED_COLUMNS`); those the package has
      nothing for (``assoc_actor_1``/``_2``, ``admin3``, ``tags``, ``timestamp``: ACLED's
      upload time) are empty.
    * ``fatalities`` the recorded killed (all parties). ACLED has no missing value, so an
      incident whose article gives no death toll is exported as 0 here, and only here;
      ``notes`` then says when deaths were reported without a figure, and when the figure is
      a floor ("at least") or a range.

    A value the crosswalk has no entry for raises :class:`ExportError`.

    >>> from kirkuk_analysis import load
    >>> ds = load()
    >>> a = to_acled(ds)
    >>> list(a.columns[:4])
    ['event_id_cnty', 'event_date', 'year', 'time_precision']
    >>> a.event_id_cnty.tolist() == ds.incidents.incident_id.tolist()  # one row per incident
    True
    >>> int(a.fatalities.isna().sum())  # no missing value in ACLED: unknown deaths are 0
    0
    """
    require_dataset(ds, "to_acled")
    ds = _whole_events(ds)
    # a party needs its ACLED name and its actor type
    actors = {p: name for p, name in ACTORS.items() if p in ACLED_INTER}
    _check_crosswalk(ds, "ACLED", {"event_type": ACLED_EVENT_TYPES, "perpetrator": actors,
                                   "target": actors})  # fmt: skip
    t = incident_table(ds, all_parties=True)
    kinds = t.event_type.astype(str).map(ACLED_EVENT_TYPES)
    on_civilians = t.event_type.isin(["armed_clash", "armed_assault", "ambush"]) & (
        t.target == "civilians"
    )
    kinds = kinds.where(~on_civilians, pd.Series([ACLED_CIVILIAN_TARGET] * len(t), index=t.index))
    outlet = ds.sources.set_index("source_id").outlet.astype(str)
    sources = ["; ".join(dict.fromkeys(outlet[s] for s in ids)) for ids in _outlets(ds, t)]
    inter1 = t.perpetrator.astype(str).map(ACLED_INTER).fillna(0).astype("int64")
    inter2 = t.target.astype(str).map(ACLED_INTER).fillna(0).astype("int64")
    # ACLED's interaction: the two actor types, the lower first (10: actor 1 alone)
    first, second = np.minimum(inter1, inter2), np.maximum(inter1, inter2)
    interaction = np.where(first == 0, second * 10, first * 10 + second)
    notes = (
        t.summary
        + " Date: "
        + t.date_phrase.fillna("(no phrase)")
        + ", "
        + _iso(t.date_start)
        + ".."
        + _iso(t.date_end)
        + " ("
        + t.date_precision.astype(str)
        + "); event_date is the first possible day."
    )
    killed = _killed_notes(ds, t.incident_id)
    notes = notes + np.where(killed != "", " " + killed, "")
    differ = _disagreement_notes(ds, t.incident_id)
    notes = notes + np.where(differ != "", " " + differ, "")
    out = pd.DataFrame(
        {
            "event_id_cnty": t.incident_id,
            "event_date": _iso(t.date_start),
            "year": t.date_start.dt.year.astype("int64"),
            "time_precision": t.date_precision.astype(str).map(ACLED_TIME_PRECISION),
            # ACLED files its "Strategic developments" events under that disorder type
            "disorder_type": np.where(
                kinds.str[0] == "Strategic developments",
                "Strategic developments",
                "Political violence",
            ),
            "event_type": kinds.str[0],
            "sub_event_type": kinds.str[1],
            "actor1": t.perpetrator.astype(str).map(ACTORS),
            "assoc_actor_1": None,
            "inter1": inter1,
            "actor2": t.target.astype(str).map(ACTORS),
            "assoc_actor_2": None,
            "inter2": inter2,
            "interaction": interaction,
            "civilian_targeting": np.where(
                t.target.astype(str) == "civilians", "Civilian targeting", None
            ),
            "iso": 368,
            "region": "Middle East",
            "country": "Iraq",
            "admin1": t.province.astype(str),
            "admin2": t.district,
            "admin3": None,
            "location": t.place,
            "latitude": t.lat,
            "longitude": t.lon,
            "geo_precision": t.geo_precision.astype("int64"),
            "source": sources,
            "source_scale": "National",
            "notes": notes,
            "fatalities": t.killed.fillna(0).astype("int64"),
            "tags": None,
            "timestamp": pd.array([pd.NA] * len(t), dtype="Int64"),
        }
    )[list(ACLED_COLUMNS)]
    return _typed(
        out,
        ints=("year", "time_precision", "inter1", "inter2", "interaction", "geo_precision",
              "fatalities", "iso"),
        counts=("timestamp",),
        floats=("latitude", "longitude"),
    )  # fmt: skip


def _ucdp_date_prec(days: pd.Series) -> np.ndarray:
    """UCDP GED date_prec from the width of the range in days (GED codebook): 1 exact day;
    2 within 2-6 days; 3 the week; 4 within 8-30 days or the month; 5 wider (the year)."""
    return np.select([days <= 1, days <= 6, days == 7, days <= 31], [1, 2, 3, 4], 5)


def to_ucdp(ds: Dataset) -> pd.DataFrame:
    """The incidents in UCDP GED's column layout (one row per incident).

    * ``type_of_violence``: 1 (state-based) when ISIS or an unidentified armed group and a
      state force (:data:`STATE_FORCES`, Kurdistan Region forces included) fight; 3
      (one-sided) when an organised actor attacks civilians; 2 (non-state) when neither
      side is a state force.
    * UCDP counts only events with at least one death: every incident is exported, and
      ``ucdp_eligible`` says which ones UCDP would count: deaths reported, with a figure
      or without one ("several were killed"); arrests, foiled attacks and incidents with
      wounded only are False.
    * ``source_article`` every article whose figures the row adds (the incident's first),
      ``number_of_sources`` how many.
    * ``date_prec`` from the width of the range (see :func:`_ucdp_date_prec`);
      ``where_prec`` 1 (the place), 2 (near it), 3 (a district), 4 (the province) after
      the GED codebook.
    * ``deaths_a`` (state forces), ``deaths_b`` (ISIS, and the unidentified party when it
      is a side: "gunmen", a suicide bomber), ``deaths_civilians``, ``deaths_unknown`` (the
      unidentified party's dead when it is not a side); ``best``/``low``/``high`` the sums
      of the known ones: ``best`` the counting rule's figures (the largest a source gives),
      ``low`` the least any source gives (its ``low``, else its ``best``), ``high`` the
      ceilings (an open-ended figure has ``high`` = ``best``). A figure the article does not give is
      empty, never 0 (GED itself has no missing value: its users fill them as they judge).

    A value the crosswalk has no entry for raises :class:`ExportError`.

    >>> from kirkuk_analysis import load
    >>> u = to_ucdp(load())
    >>> parts = u[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]]
    >>> bool((u.best.dropna() == parts.sum(axis=1, min_count=1).dropna()).all())
    True
    >>> bool(((u.low <= u.best) & (u.best <= u.high)).dropna().all())
    True
    """
    require_dataset(ds, "to_ucdp")
    ds = _whole_events(ds)
    _check_crosswalk(ds, "UCDP", {"perpetrator": ACTORS, "target": ACTORS})
    t = incident_table(ds, all_parties=True)
    sources = ds.sources.set_index("source_id")
    state = list(STATE_FORCES)
    perp, target = t.perpetrator.astype(str), t.target.astype(str)
    # an unidentified party ("gunmen", "a suicide bomber") that is a side of the dyad is
    # the unidentified armed group of side a or b; otherwise its dead are of unknown status
    unknown_side = (perp == "unknown") | (target == "unknown")
    unknown = _party_sum(t, "killed", ["unknown"])
    deaths_a = _party_sum(t, "killed", state)
    deaths_b = _sum_known(_party_sum(t, "killed", ["isis"]), unknown.where(unknown_side))
    deaths_civ = _party_sum(t, "killed", ["civilians"])
    deaths_unk = unknown.where(~unknown_side)
    best = _sum_known(deaths_a, deaths_b, deaths_civ, deaths_unk)

    # low and high per incident: the parties' floors and ceilings, each already the one
    # figure the counting rule gives across sources (analysis.casualty_figures)
    fig = casualty_figures(ds)
    killed = fig[fig.outcome == "killed"]
    high = killed.groupby("incident_id", observed=True)["high"].sum(min_count=1)
    # UCDP's low is the lowest estimate: where sources differ, the least any gives
    low_sum = _lowest_killed(ds)
    # deaths reported, a figure given or not ("several were killed": a row, no figure)
    reported = set(killed.incident_id[killed.figure.isna() | (killed.figure > 0)].astype(str))

    articles = _outlets(ds, t)
    # a state force is a side when it attacks or is attacked, or when a group's attack
    # killed or wounded one (an attack on civilians that also killed policemen fought the
    # state: state-based); a state force's own losses in its own attack make no other side
    hit = ds.casualties.incident_id[ds.casualties.party.astype(str).isin(state)]
    perp_state = perp.isin(state)
    state_hit = target.isin(state) | (~perp_state & t.incident_id.isin(set(hit.astype(str))))
    one_sided = (target == "civilians") & ~state_hit
    state_based = ~one_sided & (perp_state | state_hit)
    between_states = perp_state & target.isin(state)  # both sides state forces: both named
    # side a of a state-based event is the government (UCDP: always a government), side b
    # the group; of a one-sided event the perpetrator (the government for an Iraqi force)
    non_state = np.where(perp_state, target.map(ACTORS), perp.map(ACTORS))
    iraqi = perp_state & ~perp.isin(list(FOREIGN_FORCES))
    side_a = np.select(
        [between_states, state_based, one_sided & iraqi],
        [perp.map(ACTORS), UCDP_GOVERNMENT, UCDP_GOVERNMENT],
        perp.map(ACTORS),
    )
    side_b = np.select(
        [between_states, state_based, one_sided],
        [target.map(ACTORS), non_state, "Civilians"],
        target.map(ACTORS),
    )
    days = (t.date_end - t.date_start).dt.days + 1
    place_kind = t.place_id.map(ds.places.set_index("place_id").kind).astype(str)
    where_prec = np.select(
        [t.geo_precision == 1, place_kind.isin(["district", "subdistrict"]), t.geo_precision == 2],
        [1, 3, 2],
        4,
    )
    out = pd.DataFrame(
        {
            "id": t.incident_id,
            "year": t.date_start.dt.year.astype("int64"),
            "type_of_violence": np.select([one_sided, state_based], [3, 1], 2),
            "side_a": side_a,
            "side_b": side_b,
            # every article whose figures the row adds: the incident's, then the others
            "source_article": [
                "; ".join(f"{sources.outlet[s]}, {sources.published[s]:%Y-%m-%d}" for s in ids)
                for ids in articles
            ],
            "number_of_sources": [len(ids) for ids in articles],
            "source_headline": t.source_id.map(sources.headline),
            "source_original": t.source_id.map(sources.outlet),
            "where_prec": where_prec,
            "where_coordinates": t.place + ", " + t.province.astype(str),
            "where_description": t.summary,
            "adm_1": t.province.astype(str) + " province",
            "adm_2": t.district,
            "latitude": t.lat,
            "longitude": t.lon,
            "country": "Iraq",
            "country_id": 645,
            "region": "Middle East",
            "event_clarity": 1,
            "date_prec": _ucdp_date_prec(days),
            "date_start": _iso(t.date_start),
            "date_end": _iso(t.date_end),
            "deaths_a": deaths_a,
            "deaths_b": deaths_b,
            "deaths_civilians": deaths_civ,
            "deaths_unknown": deaths_unk,
            "best": best,
            "high": pd.array(t.incident_id.map(high), dtype="Float64").astype("Int64"),
            "low": pd.array(t.incident_id.map(low_sum), dtype="Float64").astype("Int64"),
        }
    )
    # a known best bounds them (an open-ended figure's high is its best); none without it
    out["high"] = out[["high", "best"]].max(axis=1).astype("Int64").where(best.notna())
    out["low"] = out[["low", "best"]].min(axis=1).astype("Int64").where(best.notna())
    out["ucdp_eligible"] = (best.fillna(0) > 0).to_numpy(dtype=bool) | (
        best.isna() & t.incident_id.astype(str).isin(reported)
    ).to_numpy(dtype=bool)
    return _typed(
        out,
        ints=("year", "type_of_violence", "number_of_sources", "where_prec", "country_id",
              "event_clarity", "date_prec"),
        counts=("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "high",
                "low"),
        floats=("latitude", "longitude"),
        flags=("ucdp_eligible",),
    )  # fmt: skip


def _json_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_geojson(ds: Dataset) -> dict:
    """The incidents as an RFC 7946 FeatureCollection of Points.

    Coordinates are ``[longitude, latitude]`` (WGS84); ``properties`` are the
    :func:`~kirkuk_analysis.analysis.incident_table` row with ISO dates and ``null`` for
    missing values; each feature's ``id`` is the incident_id. Every feature of every
    export has the same properties (a ``killed_<party>`` etc. for every party of the
    vocabulary), whatever the selection: layers exported from different selections append
    to one schema. Beside the table's ``killed`` (the counting rule's figure: the largest
    a source gives), ``killed_low`` is the least any source gives, ``killed_high`` the
    ceiling (``null`` for a floor, "at least 4", or no figure), ``killed_note`` says in
    words when the figure is a floor or a range or the sources differ, and ``sources`` and
    ``outlets`` list every article the row's figures come from (``source_id`` and
    ``outlet`` are the incident's own).

    >>> from kirkuk_analysis import load
    >>> fc = to_geojson(load())
    >>> fc["type"], fc["features"][0]["geometry"]["type"]
    ('FeatureCollection', 'Point')
    """
    require_dataset(ds, "to_geojson")
    ds = _whole_events(ds)
    t = incident_table(ds, all_parties=True)
    ids = t.incident_id.astype(str)
    fig = casualty_figures(ds)
    fig = fig[fig.outcome == "killed"]
    # a ceiling only where every party's figure has one ("at least 4" has none)
    known = fig[fig.figure.notna()]
    floor = known.open_ended & ~(known.high > known.figure)  # as _killed_notes reads it
    unbounded = set(known.incident_id[floor.to_numpy(dtype=bool)].astype(str))
    # a party's dead reported without a number beside known ones: a floor too
    unbounded |= set(fig.incident_id[fig.figure.isna()].astype(str))
    ceiling = known.groupby(known.incident_id.astype(str))["high"].sum(min_count=1)
    articles = _outlets(ds, t)
    outlet = ds.sources.set_index("source_id").outlet.astype(str)
    said = _killed_notes(ds, t.incident_id) + " " + _disagreement_notes(ds, t.incident_id)
    t = t.assign(
        killed_low=pd.array(ids.map(_lowest_killed(ds)), dtype="Float64").astype("Int64"),
        killed_high=pd.array(
            ids.map(lambda i: pd.NA if i in unbounded else ceiling.get(i, pd.NA)), dtype="Float64"
        ).astype("Int64"),
        killed_note=[" ".join(str(n).split()) or None for n in said],
        sources=["; ".join(a) for a in articles],
        outlets=["; ".join(dict.fromkeys(outlet.get(s, s) for s in a)) for a in articles],
    )
    columns = list(t.columns)
    features = []
    for row in t.itertuples(index=False, name=None):
        props = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
        features.append(
            {
                "type": "Feature",
                "id": props["incident_id"],
                "geometry": {"type": "Point", "coordinates": [props["lon"], props["lat"]]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}
