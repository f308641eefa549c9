"""The one normalisation under which an evidence excerpt is matched against its article.

Curly quotes and apostrophes become straight, non-breaking spaces plain, and runs of white
space one space, as ``../shared/tools/check_evidence.py`` does (codebook §4). Standard
library only, so that the curation commands stay light.
"""

from __future__ import annotations

import re

__all__ = ["EVIDENCE_MIN_CHARS", "normalise"]

#: Excerpts shorter than this, once normalised, prove nothing (the shared checker's threshold).
EVIDENCE_MIN_CHARS = 12

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


def normalise(text: str) -> str:
    """``text`` as evidence is matched: straight quotes, plain spaces, white space folded.

    >>> normalise("the gap \\u201cranges\\n from 5-10 km ")
    'the gap "ranges from 5-10 km'
    """
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()
