"""Decide which of today's releases are new, and tag those that replace an earlier one.

Mapped release ids are digests of their content, so an unchanged change gives the same id and
is skipped. A new release whose kind (tender, award, contract…) matches a stored release that no
longer appears in today's mapping replaces it: it is tagged as an update (``tenderUpdate``…).
A new release with no such predecessor is a new event (a new award, a new payment) and keeps its
tag.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import StoredRelease

UPDATE_TAGS = {
    "planning": "planningUpdate",
    "tender": "tenderUpdate",
    "award": "awardUpdate",
    "contract": "contractUpdate",
    "implementation": "implementationUpdate",
}


def release_kind(release: dict[str, Any]) -> str:
    """The lifecycle kind of a mapped release: the part of its id before the digest."""
    return release["id"].rsplit("-", 1)[0]


def updated_tags(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(UPDATE_TAGS.get(tag, tag) for tag in tags))


def new_releases(stored: dict[str, tuple[str | None, str]], current: list[dict[str, Any]]) -> list[StoredRelease]:
    """Today's releases of one process that the store does not have, tagged as updates where due."""
    current_ids = {release["id"] for release in current}
    replaced = Counter(kind for release_id, (kind, _) in stored.items() if release_id not in current_ids and kind)
    new = []
    for release in current:
        if release["id"] in stored:
            continue
        kind = release_kind(release)
        if replaced[kind]:
            replaced[kind] -= 1
            release = {**release, "tag": updated_tags(release["tag"])}
        new.append(StoredRelease.of(release, kind))
    return new
