"""Reading JSON that a user wrote (``datapackage.json``, an executed notebook).

``json.loads`` raises ``RecursionError`` on deeply nested input (``[[[[...``), which no
caller expects from a parser: :func:`parse` turns it into the ``json.JSONDecodeError``
(a ``ValueError``) every caller already handles.
"""

from __future__ import annotations

import json


def parse(text: str) -> object:
    """``json.loads(text)``; nesting too deep for Python's parser raises
    ``json.JSONDecodeError`` too.

    >>> parse('{"a": [1]}')
    {'a': [1]}
    >>> parse("[" * 100_000)
    Traceback (most recent call last):
    ...
    json.decoder.JSONDecodeError: nested too deeply to be read: line 1 column 1 (char 0)
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply to be read", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of thousands of digits (Python's int limit)
        raise json.JSONDecodeError(f"a value cannot be read ({exc})", text, 0) from None
