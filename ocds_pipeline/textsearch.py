"""Spanish-aware text for search: the same words in the index and in a query, whatever their accents,
case or inflection ("Construcción de escuelas" is found by "construccion escuela").

SQLite's FTS5 indexes the stems this module gives; PostgreSQL indexes the unaccented text with its
own ``spanish`` configuration, which stems it (docs/api.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 16


def unaccented(text: str) -> str:
    """Lower case without diacritics: ``Construcción`` → ``construccion``, ``Año`` → ``ano``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("spanish")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """One word's stem, remembered: titles and names repeat a small vocabulary, and the stemmer is pure
    Python (without this, stemming was half the time of indexing a store on SQLite)."""
    return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    """The Snowball Spanish stems of the unaccented words of ``text`` (``Escuelas`` → ``escuel``): accents
    go first, so that a word typed with or without them gives the same stem (``Tulcán``, ``tulcan``)."""
    return [_stem(word) for word in _WORD.findall(unaccented(text))]


def fts5_query(text: str) -> str | None:
    """An FTS5 query matching every word of ``text`` (as stems, each quoted so that no word is
    read as FTS5 syntax); None when ``text`` has no word."""
    words = list(dict.fromkeys(stems(text)))[:MAX_QUERY_WORDS]
    return " AND ".join(f'"{word}"' for word in words) if words else None
