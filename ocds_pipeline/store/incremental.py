"""Decide what a daily run adds for each process, from the ids of the releases the store has.

Mapped release ids are digests of their content, so the store can tell, without reading a body:

* ``FIRST`` — the store has nothing of the process: all of today's releases are added as they are;
* ``UNCHANGED`` — today's mapping is the one last reconciled (same ids): nothing is added;
* ``GROWN`` — the stored releases are the first of today's, in order: the process only moved on
  (a new award, contract or payment), and today's later releases are added as they are;
* ``CHANGED`` — something already published changed (a corrected, emptied or deleted value): one
  correction release is added (:mod:`ocds_pipeline.compile.delta`), dated by :func:`recorded_date`.

With ``GROWN`` and ``FIRST`` the store holds exactly what a fresh store fed today's export holds.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Iterable

from ..sources.casting import ECUADOR


class Change(Enum):
    FIRST = "first"
    UNCHANGED = "unchanged"
    GROWN = "grown"
    CHANGED = "changed"


def mapping_digest(releases: list[dict[str, Any]]) -> str:
    """A digest of a mapping's release ids, in order: equal digests mean the same mapping."""
    return hashlib.blake2b("\n".join(r["id"] for r in releases).encode(), digest_size=16).hexdigest()


def plan(stored_ids: list[str], releases: list[dict[str, Any]]) -> tuple[Change, list[dict[str, Any]]]:
    """What today's ``releases`` of one process change, and the ones to add as they are."""
    if not stored_ids:
        return Change.FIRST, releases
    if [r["id"] for r in releases[:len(stored_ids)]] == stored_ids:
        tail = releases[len(stored_ids):]
        return (Change.GROWN, tail) if tail else (Change.UNCHANGED, [])
    return Change.CHANGED, []


def release_kind(release: dict[str, Any]) -> str:
    """The lifecycle kind of a release this project made: the part of its id before the digest."""
    return release["id"].rsplit("-", 1)[0]


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def recorded_date(dates: Iterable[str], modified: str | None, now: datetime) -> str:
    """The date of a correction: when it was recorded, always after the process's latest release.

    The source's own modification time when it is later than every release's ``dates``, else the
    run's time; if the latest release is dated in the future (an end date), one second after it.
    RFC 3339 with Ecuador's offset, to the second.
    """
    after = max(map(_moment, dates))
    moment = _moment(modified) if modified and _moment(modified) > after else now
    if moment <= after:
        moment = after + timedelta(seconds=1)
    return moment.astimezone(ECUADOR).replace(microsecond=0).isoformat()
