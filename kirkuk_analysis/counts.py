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
from dataclasses import dataclass

__all__ = ["FLOOR_WORDS", "VAGUE_FLOORS", "Stated", "ranges", "stated", "sums"]

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
_NUMBER = re.compile(
    r"\b(?:(?P<digits>\d{1,3}(?:,\d{3})+|\d+)"
    # number words: "twenty-five", "a hundred", "one hundred and twenty", "two dozen"
    rf"|(?P<words>(?:{_W}|a(?=[- ](?:hundred|thousand|dozen)\b))"
    rf"(?:[- ](?:hundred|thousand)(?:\s+and\s+(?:{_W}))?|[- ]dozen)?)"
    r"|(?P<phrase>half a dozen|a pair of|both))\b",
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
_PHRASES = {"half a dozen": 6, "a dozen": 12, "a pair of": 2, "both": 2}


@dataclass(frozen=True)
class Stated:
    """A number an excerpt states: its ``value``, its ``words`` (with the words that make it
    a floor) and whether it is a ``floor`` ("at least two", or "dozens" as 24)."""

    value: int
    words: str
    floor: bool = False


_FLOOR_BEFORE = re.compile(rf"\b(?:{FLOOR_WORDS})\s+$", re.IGNORECASE)
_VAGUE = re.compile(rf"\b(?:{'|'.join(VAGUE_FLOORS)})\b", re.IGNORECASE)


def _numbers(excerpt: str) -> list[tuple[int, int, int]]:
    """(value, start, end) of each number in digits or words, in order."""
    found = []
    for m in _NUMBER.finditer(excerpt):
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
            found.append(Stated(value, excerpt[m.start() : end], floor=True))
        else:
            found.append(Stated(value, excerpt[start:end]))
    for m in _VAGUE.finditer(excerpt):
        found.append(Stated(VAGUE_FLOORS[m.group().lower()], m.group(), floor=True))
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
        if a < b and (
            re.fullmatch(r"\s*(?:to|or|-|\u2013)\s*", gap, re.IGNORECASE)
            or (between and re.fullmatch(r"\s+and\s+", gap, re.IGNORECASE))
        ):
            start = between.start() if between and "and" in gap.lower() else a0
            found.append((a, b, excerpt[start:b1]))
    return found


_SINGULAR = re.compile(r"\b(?:a|an|another)\b", re.IGNORECASE)


def sums(excerpt: str) -> set[int]:
    """The counts ``excerpt`` gives or adds up to: each number it states, the sum of any
    of them together, and each of those plus one for every "a", "an" or "another" it holds
    ("two soldiers and an officer were killed": 3; "three were killed, and a fourth died":
    4), up to the number of such words. A figure outside this set is none it gives.

    >>> sorted(sums("Two soldiers and an officer were killed"))
    [2, 3]
    >>> sorted(sums("killed 2 and wounded 4"))
    [2, 4, 6]
    """
    from itertools import combinations

    values = [s.value for s in stated(excerpt)][:8]  # (an excerpt is a sentence or two)
    totals = {sum(c) for n in range(1, len(values) + 1) for c in combinations(values, n)}
    singular = len(_SINGULAR.findall(excerpt))
    return {t + k for t in totals for k in range(singular + 1)}
