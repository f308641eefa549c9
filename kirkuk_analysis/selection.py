"""What a reader selects: a period, provinces and parties, checked against the package's own
vocabulary. :func:`kirkuk_analysis.analysis.select`, the notebooks and the CLI all check
their parameters here, so they accept and refuse the same values with the same message.

>>> from kirkuk_analysis.selection import check_selection
>>> s = check_selection("2021-01-01", "2021-12-31", provinces=["kirkuk", "Diyala", "Kirkuk"])
>>> s.start, s.provinces
(datetime.date(2021, 1, 1), ('Kirkuk', 'Diyala'))

Standard library only, so that the CLI refuses a bad parameter before pandas is imported.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kirkuk_analysis.vocab import Vocabulary, read_vocabulary

__all__ = ["Selection", "SelectionError", "check_selection"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SelectionError(ValueError):
    """A selection parameter is malformed or not in the package's vocabulary.

    The message names the valid choices. In IPython and Jupyter it shows as that one line,
    without a traceback into the library.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class Selection:
    """A checked selection: ``start``/``end`` dates (``None``: open), and the provinces and
    parties in their canonical spelling (empty: all)."""

    start: date | None = None
    end: date | None = None
    provinces: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()

    def describe(self) -> str:
        """The selection in a line, e.g. ``2021-01-01 to 2021-12-31; Kirkuk``."""
        first = self.start.isoformat() if self.start else "the first record"
        last = self.end.isoformat() if self.end else "the last record"
        text = f"{first} to {last}; {', '.join(self.provinces) or 'all provinces'}"
        if self.parties:
            text += f"; parties: {', '.join(self.parties)}"
        return text


def _date(name: str, value: object) -> date | None:
    if value is None:
        return None
    # NaT, pd.NA, NaN: missing values, not dates (NaT is a datetime, and no day)
    if type(value).__name__ in ("NaTType", "NAType") or (
        isinstance(value, float) and value != value
    ):
        raise SelectionError(
            f"{name} is a missing value ({value!r}): give a date written YYYY-MM-DD, or None "
            "for no limit"
        )
    if isinstance(value, datetime):  # pandas Timestamps too
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            year, month, day = (int(part) for part in text.split("-"))
            raise SelectionError(
                f"{name} {text!r} is no day of the calendar: "
                + (
                    f"month {month} does not exist"
                    if not 1 <= month <= 12
                    else f"{date(year, month, 1):%B %Y} has "
                    f"{calendar.monthrange(year, month)[1]} days, not {day}"
                )
            ) from None
    raise SelectionError(
        f"{name} must be a date written YYYY-MM-DD (for example 2021-01-01), not {value!r}"
    )


def _choose(kind: str, values: Iterable[str] | str | None, valid: tuple) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    try:
        values = list(values)
    except TypeError:
        raise SelectionError(f"{kind} must be a name or a list of names, not {values!r}") from None
    by_folded = {str(v).casefold(): v for v in valid}
    chosen: list[str] = []
    for value in values:
        canonical = by_folded.get(str(value).strip().casefold()) if isinstance(value, str) else None
        if canonical is None:
            raise SelectionError(f"unknown {kind} {value!r}; valid choices are: {', '.join(valid)}")
        if canonical not in chosen:
            chosen.append(canonical)
    return tuple(chosen)


def check_selection(
    start: object = None,
    end: object = None,
    provinces: Iterable[str] | str | None = None,
    parties: Iterable[str] | str | None = None,
    *,
    vocab: Vocabulary | None = None,
    data_dir: str | Path | None = None,
) -> Selection:
    """Check and normalise a selection against a package's vocabulary.

    ``start``/``end``: ``YYYY-MM-DD`` strings, dates or timestamps (``None``: open).
    ``provinces``/``parties``: a name or a list of names, matched case-insensitively and
    returned in their canonical spelling without duplicates (``None`` or empty: all).
    The vocabulary is ``vocab``, else that of the package in ``data_dir`` (``None``: the
    shipped one). Raises :class:`SelectionError`, naming the valid choices.

    >>> check_selection("2021-05-02", "2021-05-01")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kirkuk_analysis.selection.SelectionError: start (2021-05-02) is after end (2021-05-01); ...
    """
    start_d, end_d = _date("start", start), _date("end", end)
    if start_d is not None and end_d is not None and start_d > end_d:
        raise SelectionError(
            f"start ({start_d.isoformat()}) is after end ({end_d.isoformat()}); "
            "give a start on or before the end"
        )
    if vocab is None:
        vocab = read_vocabulary(data_dir)
    return Selection(
        start=start_d,
        end=end_d,
        provinces=_choose("province", provinces, vocab.provinces),
        parties=_choose("party", parties, vocab.parties),
    )
