"""A package's own fields — before and after its big array — found without parsing the array.

OCDS packages put ``uri``, ``publisher``, ``extensions``… before or after ``releases`` (this
project's writer puts ``publishedDate`` after it; SERCOP's API puts ``extensions`` after it).
The head is read with the standard library's C scanner up to the array; the tail from the last
window of the file, where the first ``]`` after which the rest of the file parses as the end of
an object is the array's end: any ``]`` inside the last item or inside a string leaves the
rest unbalanced, so it cannot parse.
"""

from __future__ import annotations

import json
import re
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

WINDOW = 1 << 20
WHITESPACE = re.compile(r"\s*")
DECODER = json.JSONDecoder()
_ARRAY_END = re.compile(r"\]\s*([,}])")
_ONLY_SPACE = re.compile(r"\s*\Z")


def package_head(data: bytes, keys: tuple[str, ...] = ("releases", "records")) -> tuple[dict[str, Any], str, int, bytes] | None:
    """(fields before the array, array key, byte offset of its first item, that item's first key as bytes).

    ``data`` is the start of the file; ``keys`` the names the package's big array may have.
    """
    for trim in range(4):  # the window may end inside a multi-byte character
        try:
            text = data[: len(data) - trim].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    fields: dict[str, Any] = {}
    try:
        position = WHITESPACE.match(text).end()
        if text[position] != "{":
            return None
        position += 1
        while True:
            position = WHITESPACE.match(text, position).end()
            key, position = DECODER.raw_decode(text, position)
            position = WHITESPACE.match(text, position).end()
            if not isinstance(key, str) or key == "ocid" or text[position] != ":":
                return None  # not a key, or a release or record rather than a package
            position = WHITESPACE.match(text, position + 1).end()
            if key in keys and text[position] == "[":
                item = WHITESPACE.match(text, position + 1).end()
                if text[item] != "{":
                    return None
                inner = WHITESPACE.match(text, item + 1).end()
                _, after = DECODER.raw_decode(text, inner)
                return fields, key, len(text[:item].encode()), text[inner:after].encode()
            fields[key], position = DECODER.raw_decode(text, position)
            position = WHITESPACE.match(text, position).end()
            if text[position] != ",":
                return None
            position += 1
    except (ValueError, IndexError, RecursionError):  # malformed, a value longer than the window, or too deep
        return None


def package_tail(source: Path | IO[bytes], key: str) -> dict[str, Any] | None:
    """The fields after the package's ``key`` array (``{}`` when none), or None when not found in the last window.

    Each ``]`` followed by ``,`` or ``}`` is tried in turn: the members that follow must run to the
    end of the file. An attempt from inside an item fails as soon as that item's object closes,
    so the cost stays about one pass over the window. In a small file the window holds the head
    too: an attempt from there runs through the array itself, which the tail never holds.
    """
    with (open(source, "rb") if isinstance(source, Path) else nullcontext(source)) as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - WINDOW))
        text = handle.read().decode("utf-8", errors="replace")  # the window may start inside a character
    for match in _ARRAY_END.finditer(text):
        fields = members_to_end(text, match.start(1))
        if fields is not None and key not in fields:
            return fields
    return None


def members_to_end(text: str, position: int) -> dict[str, Any] | None:
    """The members from ``position`` (a ``,`` or the ``}``) to the object's end, if that is the end of the text."""
    fields: dict[str, Any] = {}
    try:
        while text[position] == ",":
            position = WHITESPACE.match(text, position + 1).end()
            key, position = DECODER.raw_decode(text, position)
            position = WHITESPACE.match(text, position).end()
            if not isinstance(key, str) or text[position] != ":":
                return None
            fields[key], position = DECODER.raw_decode(text, WHITESPACE.match(text, position + 1).end())
            position = WHITESPACE.match(text, position).end()
    except (ValueError, IndexError, RecursionError):
        return None
    if text[position:position + 1] != "}" or not _ONLY_SPACE.match(text, position + 1):
        return None
    return fields
