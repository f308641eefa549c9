"""The one normalisation under which an evidence excerpt is matched against its article.

Curly quotes and apostrophes become straight, non-breaking spaces plain, and runs of white
space one space, as ``../shared/tools/check_evidence.py`` does (codebook §4). Standard
library only, so that the curation commands stay light.
"""

from __future__ import annotations

import re

__all__ = ["CONTROL", "EVIDENCE_MIN_CHARS", "control_character", "normalise"]

#: Excerpts shorter than this, once normalised, prove nothing (the shared checker's threshold).
EVIDENCE_MIN_CHARS = 12

_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u00a0": " "})


def normalise(text: str) -> str:
    """``text`` as evidence is matched: straight quotes, plain spaces, white space folded.

    >>> normalise("the gap \\u201cranges\\n from 5-10 km ")
    'the gap "ranges from 5-10 km'
    """
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


#: Control characters (C0, DEL, C1) that no text cell may hold: all but tab and line feed, and
#: a carriage return only as part of CRLF. A spreadsheet hides them; a terminal or a Markdown
#: cell acts on them (a lone CR starts a new line there).
CONTROL = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]|\\r(?!\\n)")

#: :data:`CONTROL` for pyarrow's regular expressions (RE2, which has no lookahead).
CONTROL_RE2 = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x{9f}]|\\r([^\\n]|$)"


def control_character(text: str) -> str | None:
    """The first control character of ``text`` that a text cell may not hold, described
    (:data:`CONTROL`), or None.

    >>> control_character("a\\tb\\r\\nc") is None
    True
    >>> control_character("Ru\\x01daw")
    'the control character U+0001 at character 3'
    """
    found = CONTROL.search(text)
    if found is None:
        return None
    char = found.group()[0]
    name = {"\x00": " (NUL)", "\r": " (a carriage return not followed by a line feed)"}
    where = found.start() + 1
    return f"the control character U+{ord(char):04X}{name.get(char, '')} at character {where}"
