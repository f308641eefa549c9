"""How an evidence excerpt states a count: numerals, number words, floors, ranges and the
vague quantities the codebook turns into floors (codebook §4, rules 1-3).

The audit (:func:`kirkuk_analysis.audit.check_figures`) reads each casualty row's excerpt
with these, so that a figure is what its words say. Standard library only.

>>> [s.value for s in stated("two soldiers were killed and 14 wounded")]
[2, 14]
>>> stated("at least two civilians were wounded")
[Stated(value=2, words='at least two', floor=True)]
>>> ranges("Between three and five soldiers were killed")
[(3, 5, 'Between three and five')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["FLOOR_WORDS", "NUMBER_PATTERN", "VAGUE_FLOORS", "Stated", "ranges", "stated", "sums"]

#: A vague plural and the least it can mean: the ``low`` it gives (``best`` and ``high``
#: empty), codebook §4 rule 3. "several", "a few" and "some" give no figure at all.
VAGUE_FLOORS = {"tens of": 20, "dozens": 24, "hundreds": 200}

#: Words that make the figure after them a floor: ``low = best = N``, ``high`` empty
#: (codebook §4 rule 2).
FLOOR_WORDS = (
    r"at least|more than|over|upwards of|in excess of|no (?:fewer|less) than|not less than"
)

_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_WORDS = {w: i for i, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_W = rf"(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_SMALL[1:10])}))?|(?:{'|'.join(_SMALL)})"
#: A number in digits or in words ("14", "twenty-five"), as a regular expression.
NUMBER_PATTERN = rf"(?:\d+|{_W})"
_NUMBER = re.compile(
    # digits may run into their unit ("10km", "5-10km"): no word boundary after them
    r"\b(?:(?P<digits>\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
    # number words: "twenty-five", "a hundred", "one hundred and twenty", "two dozen"
    rf"|(?P<words>(?:{_W}|a(?=[- ](?:hundred|thousand|dozen)\b))"
    rf"(?:[- ](?:hundred|thousand)(?:\s+and\s+(?:{_W}))?|[- ]dozen)?)\b"
    r"|(?P<phrase>half a dozen|a pair of|a couple of|both)\b)",
    re.IGNORECASE,
)


def _words_value(words: str) -> int:
    """The value of number words ("one hundred and twenty" 120, "two dozen" 24)."""
    total = current = 0
    for token in re.split(r"[\s-]+", words.lower()):
        if token == "a":
            current = 1
        elif token in _WORDS:
            current += _WORDS[token]
        elif token == "dozen":
            current = (current or 1) * 12
        elif token == "hundred":
            current = (current or 1) * 100
        elif token == "thousand":
            total, current = total + (current or 1) * 1000, 0
    return total + current


#: Words that state a number without a numeral.
_PHRASES = {"half a dozen": 6, "a dozen": 12, "a pair of": 2, "a couple of": 2, "both": 2}


@dataclass(frozen=True)
class Stated:
    """A number an excerpt states: its ``value``, its ``words`` (with the words that make it
    a floor) and whether it is a ``floor`` ("at least two", or "dozens" as 24); ``start``
    and ``end``: where the number itself stands in the excerpt."""

    value: int
    words: str
    floor: bool = False
    start: int = field(default=-1, repr=False, compare=False)
    end: int = field(default=-1, repr=False, compare=False)


_FLOOR_BEFORE = re.compile(rf"\b(?:{FLOOR_WORDS})\s+$", re.IGNORECASE)
_VAGUE = re.compile(rf"\b(?:{'|'.join(VAGUE_FLOORS)})\b", re.IGNORECASE)


#: Numbers that count no one: an age ("a 12-year-old boy" is one boy), the number of a unit,
#: a road or a checkpoint ("Brigade 59", "Road 2"), an ordinal ("the 59th Brigade").
_NOT_COUNTS = re.compile(
    r"\b\d+[- ]years?[- ]old\b|\b\d+(?:st|nd|rd|th)\b"
    r"|\b(?:brigade|division|battalion|regiment|company|road|route|highway|unit|sector|"
    r"checkpoint|no\.|number)\s+\d+\b",
    re.IGNORECASE,
)


def _counting(excerpt: str) -> str:
    """``excerpt`` with the numbers that count no one (:data:`_NOT_COUNTS`) blanked out,
    its length and positions kept."""
    return _NOT_COUNTS.sub(lambda m: " " * len(m.group()), excerpt)


def _numbers(excerpt: str) -> list[tuple[int, int, int]]:
    """(value, start, end) of each number in digits or words that counts someone, in
    order."""
    found = []
    for m in _NUMBER.finditer(_counting(excerpt)):
        if m["digits"]:
            value = int(m["digits"].replace(",", ""))
        elif m["words"]:
            value = _words_value(m["words"])
        else:
            value = _PHRASES[re.sub(r"\s+", " ", m["phrase"].lower())]
        found.append((value, m.start(), m.end()))
    return found


def stated(excerpt: str) -> list[Stated]:
    """Every figure ``excerpt`` states: each number in digits or words (a floor when
    :data:`FLOOR_WORDS` come right before it), then each vague quantity as the floor it
    gives (:data:`VAGUE_FLOORS`).

    >>> [(s.value, s.floor) for s in stated("Twenty-five fighters, at least a dozen civilians")]
    [(25, False), (12, True)]
    >>> [s.value for s in stated("both soldiers and half a dozen policemen")]
    [2, 6]
    >>> [s.value for s in stated("a hundred, one hundred and twenty, more than two dozen")]
    [100, 120, 24]
    >>> stated("dozens were wounded")
    [Stated(value=24, words='dozens', floor=True)]
    """
    found = []
    for value, start, end in _numbers(excerpt):
        m = _FLOOR_BEFORE.search(excerpt, 0, start)
        if m:
            found.append(Stated(value, excerpt[m.start() : end], True, start, end))
        else:
            found.append(Stated(value, excerpt[start:end], False, start, end))
    for m in _VAGUE.finditer(excerpt):
        found.append(Stated(VAGUE_FLOORS[m.group().lower()], m.group(), True, m.start(), m.end()))
    return found


def ranges(excerpt: str) -> list[tuple[int, int, str]]:
    """The ranges ``excerpt`` gives ("between three and five", "3 to 5", "3-5", "three or
    four"): (low, high, their words), low below high.

    >>> ranges("killed 3-5 soldiers; two or three were wounded")
    [(3, 5, '3-5'), (2, 3, 'two or three')]
    """
    numbers = _numbers(excerpt)
    found = []
    for (a, a0, a1), (b, b0, b1) in zip(numbers, numbers[1:], strict=False):
        gap = excerpt[a1:b0]
        between = re.search(r"\bbetween\s+$", excerpt[:a0], re.IGNORECASE)
        if _CHANGE_BEFORE.search(excerpt[:a0]):  # "the toll rose from three to five"
            continue
        scale = re.search(r"(hundred|thousand)$", excerpt[b0:b1], re.IGNORECASE)
        if scale and a < 100 and not re.search(r"hundred|thousand", excerpt[a0:a1], re.I):
            a *= 100 if scale[1].lower() == "hundred" else 1000  # "two and three thousand"
        if a < b and (
            re.fullmatch(r"\s*(?:to|or|-|\u2013)\s*", gap, re.IGNORECASE)
            or (between and re.fullmatch(r"\s+and\s+", gap, re.IGNORECASE))
        ):
            start = between.start() if between and "and" in gap.lower() else a0
            found.append((a, b, excerpt[start:b1]))
    return found


#: A change over time before "from X to Y": the toll's new figure, no range.
_CHANGE_BEFORE = re.compile(
    r"\b(?:rose|ris\w*|rais\w*|increas\w*|grew|grow\w*|climb\w*|jump\w*|went up|fell|"
    r"fall\w*|dropp\w*|declin\w*|decreas\w*|revised|updated)\b[^.;]{0,40}\bfrom\s+$",
    re.IGNORECASE,
)

_SINGULAR = re.compile(r"\b(?:a|an|another)\b", re.IGNORECASE)
_NUMBER_WORD = rf"(?:\d|(?:{_W}|a dozen|both)\b)"
#: A noun phrase of its own, unnumbered, joined to others: "and their commander", "his
#: wife and", "the commander and two of his guards", "and the second": one more each.
_UNNUMBERED = re.compile(
    rf"(?:\band\s+|,\s*)(?:the|his|her|their|its|our)\s+(?!{_NUMBER_WORD})"
    rf"|\b(?:the|his|her|their|its|our)\s+(?!{_NUMBER_WORD})(?:[a-z-]+\s+){{0,2}}?[a-z-]+\s+and\b",
    re.IGNORECASE,
)
#: Words that make one figure part of another: "nine killed, six of them civilians".
_PART_OF = re.compile(
    r"\b(?:of them|of whom|the rest|the others|remaining|among them|including)\b", re.I
)


def sums(excerpt: str, keep: Sequence[bool] | None = None) -> set[int]:
    """The counts ``excerpt`` gives or adds up to: each number it states, the sum of any
    of them together, a whole less a part of it where the words say so ("nine, six of them
    civilians": 3), and each of those plus one for every "a", "an" or "another" and every
    unnumbered noun phrase joined to others ("two soldiers and an officer were killed": 3;
    "three were killed, and a fourth died": 4; "two soldiers and their commander": 3), up
    to the number of such words. Ages, unit and road numbers and ordinals count no one
    ("a 7-year-old", "Brigade 59", "the 59th"). A figure outside this set is none it
    gives.

    >>> sorted(sums("Two soldiers and an officer were killed"))  # the officer alone: 1
    [1, 2, 3]
    >>> sorted(sums("a 12-year-old boy and his 10-year-old sister"))
    [1, 2]
    >>> sorted(sums("killed 2 and wounded 4"))
    [2, 4, 6]

    ``keep`` (one flag per number of :func:`stated`, in its order): only the numbers
    flagged are counted, as when the others count another outcome.

    >>> sorted(sums("killed 2 and wounded 4", keep=[True, False]))
    [2]
    """
    from itertools import combinations

    said = stated(excerpt)
    values = [s.value for s, k in zip(said, keep or [True] * len(said), strict=True) if k]
    # every number stated; any of the first ten added together (an excerpt is a sentence or
    # two); each whole less a part of it where the words say so ("of them", "the rest")
    first = values[:10]
    totals = {0, *values}
    totals |= {sum(c) for n in range(1, len(first) + 1) for c in combinations(first, n)}
    if _PART_OF.search(excerpt):
        totals |= {a - b for a in values for b in values if a > b}
    counting = _counting(excerpt)
    # plus one for each "a", "an", "another" and each unnumbered noun phrase of its own
    # ("two soldiers and their commander": 3), never more than those words allow
    extra = len(_SINGULAR.findall(counting)) + min(3, len(_UNNUMBERED.findall(counting)))
    return {t + k for t in totals for k in range(extra + 1)} - {0}
