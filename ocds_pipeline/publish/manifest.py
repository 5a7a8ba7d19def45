"""``datapackage.json``: every file of the publication with what a downloader needs to trust it.

A Frictionless Data Package (v2): each resource has its path, format, media type, size and
SHA-256, and, as the publication knows them, its row or process count, its date coverage and a
Table Schema for CSV tables. ``modified`` is the number of the store run whose data last changed
the file, so a harvester (or a person) sees which files a daily run changed, and the same store
published twice gives the same manifest.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMATS = {".json": ("json", "application/json"), ".jsonl": ("jsonl", "application/jsonl"), ".csv": ("csv", "text/csv"),
            ".xlsx": ("xlsx", XLSX), ".md": ("md", "text/markdown"), ".html": ("html", "text/html"), "": ("txt", "text/plain")}
_NAME = re.compile(r"[^a-z0-9._-]+")


def file_digest(path: Path) -> tuple[int, str]:
    """(bytes, ``sha256:…``) of a file."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, f"sha256:{digest.hexdigest()}"


def resource(root: Path, relative: str, **described: Any) -> dict[str, Any]:
    """A resource for the file ``relative`` under ``root``, with its size, hash and what is ``described``."""
    path = Path(relative)
    compressed = path.suffix == ".gz"
    inner = path.with_suffix("") if compressed else path
    format_, mediatype = _FORMATS.get(inner.suffix, (inner.suffix.lstrip("."), "application/octet-stream"))
    size, digest = file_digest(root / relative)
    entry: dict[str, Any] = {"name": _NAME.sub("-", relative.lower()).strip("-"), "path": relative, "format": format_,
                             "mediatype": "application/gzip" if compressed else mediatype}
    if compressed:
        entry["compression"] = "gz"
    # Tables are read and checked against their schema by Frictionless; any other file is checked
    # as a file (size and hash), not read for what its name suggests (release-schema.json is no Table Schema).
    entry.update(type="table", encoding="utf-8") if format_ == "csv" else entry.update(type="file")
    entry.update(bytes=size, hash=digest)
    entry.update({key: value for key, value in described.items() if value is not None})
    return entry


def verify(root: Path, resources: list[dict[str, Any]], carried: set[str] = frozenset()) -> list[str]:
    """Problems with a staged publication: files missing, unlisted, or not matching their size and hash.

    ``carried`` files are links to files of the previous version, verified when they were written:
    their size is checked, not their hash.
    """
    problems = []
    listed = {entry["path"] for entry in resources}
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {"datapackage.json"}
    problems += [f"{path}: written but not in the manifest" for path in sorted(on_disk - listed)]
    for entry in resources:
        path = root / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: in the manifest but missing")
            continue
        if entry["path"] in carried:
            size, digest = path.stat().st_size, entry["hash"]
        else:
            size, digest = file_digest(path)
        if (size, digest) != (entry["bytes"], entry["hash"]):
            problems.append(f"{entry['path']}: {size} bytes {digest}, the manifest says {entry['bytes']} {entry['hash']}")
    return problems
