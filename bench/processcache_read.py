"""How fast a year's kept parts are read back (publish/processcache.py): one query per process against reading on
in ocid order, from a state file as a publication left it and from a copy of it written in ocid order, each with
the page cache dropped first (as root; otherwise warm, and said so).

    .venv/bin/python bench/processcache_read.py <versions>/state/statistics/2025.sqlite [processes]
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from ocds_pipeline.publish.processcache import ProcessCache


def _dropped() -> bool:
    """Drop the page cache, when this process may."""
    return subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, capture_output=True).returncode == 0


def _copy_in_order(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(target)) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE rows (ocid TEXT PRIMARY KEY, digest BLOB NOT NULL, data BLOB NOT NULL)")
        db.execute("ATTACH ? AS source", (str(source),))
        db.execute("INSERT INTO meta SELECT * FROM source.meta")
        db.execute("INSERT INTO rows SELECT * FROM source.rows ORDER BY ocid")
        db.commit()


def measure(path: Path, processes: int) -> list[tuple[str, str, float, bool]]:
    """(file, way, seconds, cold) for the first ``processes`` ocids of the file, asked in ocid order."""
    with closing(sqlite3.connect(path)) as db:
        key = db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()[0]
        ocids = [ocid for ocid, in db.execute("SELECT ocid FROM rows ORDER BY ocid LIMIT ?", (processes,))]
        pages, free = db.execute("PRAGMA page_count").fetchone()[0], db.execute("PRAGMA freelist_count").fetchone()[0]
    print(f"{path}: {len(ocids):,} processes asked; {free:,} of {pages:,} pages free")
    rows = []
    with tempfile.TemporaryDirectory(dir=path.parent) as folder:
        ordered = Path(folder) / path.name
        _copy_in_order(path, ordered)
        for label, file in (("as left", path), ("written in ocid order", ordered)):
            for way in ("a query per process", "read on, 256 a query"):
                cold = _dropped()
                cache = ProcessCache(file, key, path.stem)
                started = time.perf_counter()
                if way == "a query per process":
                    for ocid in ocids:
                        cache._last_pass.execute("SELECT digest, data FROM rows WHERE ocid = ?", (ocid,)).fetchone()
                else:
                    for ocid in ocids:
                        cache._kept(ocid)  # what a pass reads through
                rows.append((label, way, time.perf_counter() - started, cold))
                cache.abort()
    return rows


if __name__ == "__main__":
    for label, way, seconds, cold in measure(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 150_000):
        print(f"{label:>22} | {way:<20} | {seconds:6.2f} s | {'cold' if cold else 'warm'}")
