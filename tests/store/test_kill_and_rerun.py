"""kill -9 at any point leaves the store consistent, and a rerun finishes the job exactly."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select, text

from ocds_pipeline.generate import generate
from ocds_pipeline.store import Store, tables

PUBLISHED = ["releases.json", "releases.jsonl", "records.json", "compiled.jsonl", "rejects.csv", "summary.json",
             "projects.json", "projects.csv", "quality.json", "quality.md", "quality.html", "quality.es.html"]


def command(source, out, store):
    return [sys.executable, "-m", "ocds_pipeline.cli", "run", str(source), "--out", str(out), "--store", str(store)]


def releases(store_path):
    store = Store(str(store_path))
    with store.engine.connect() as connection:
        rows = connection.execute(select(tables.releases.c.ocid, tables.releases.c.release_id,
                                         tables.releases.c.tags, tables.releases.c.body)).all()
    store.close()
    return {(ocid, rid): (tags, body) for ocid, rid, tags, body in rows}


@pytest.mark.slow
def test_kill_at_several_points_then_rerun(tmp_path):
    generate(tmp_path / "src", 2500, seed=8)
    subprocess.run(command(tmp_path / "src", tmp_path / "ref", tmp_path / "ref.sqlite"), check=True, capture_output=True)
    reference = releases(tmp_path / "ref.sqlite")
    by_ocid = {}
    for ocid, rid in reference:
        by_ocid.setdefault(ocid, set()).add(rid)

    kills = 0
    for delay in (1.0, 2.0, 3.0, 4.0):
        process = subprocess.Popen(command(tmp_path / "src", tmp_path / "out", tmp_path / "store.sqlite"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        if not (tmp_path / "store.sqlite").exists():
            continue
        # Consistent after the kill: the database is sound and every process is complete or absent.
        store = Store(str(tmp_path / "store.sqlite"))
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        store.close()
        partial = {}
        for ocid, rid in releases(tmp_path / "store.sqlite"):
            partial.setdefault(ocid, set()).add(rid)
        assert all(rids == by_ocid[ocid] for ocid, rids in partial.items())
        for name in PUBLISHED:  # files are either absent or complete, never half-written
            path = tmp_path / "out" / name
            if path.exists() and name.endswith(".json"):
                assert path.read_bytes().endswith(b"}\n")
    assert kills >= 2, "the run finished too fast to be interrupted; use a larger dataset"

    subprocess.run(command(tmp_path / "src", tmp_path / "out", tmp_path / "store.sqlite"), check=True, capture_output=True)
    assert releases(tmp_path / "store.sqlite") == reference
    for name in PUBLISHED:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    assert not list((tmp_path / "out").glob(".*.tmp"))
