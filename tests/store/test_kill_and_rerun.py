"""Killed at named points (kill -9, the same on any machine), a run leaves the store consistent and
the published files whole, and a rerun finishes the job exactly (ocds_pipeline/faults.py)."""

import json
import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from ocds_pipeline.faults import ENV
from ocds_pipeline.generate import generate
from ocds_pipeline.store import Store, tables

PUBLISHED = ["releases.json", "releases.jsonl", "records.json", "compiled.jsonl", "rejects.csv", "summary.json",
             "projects.json", "projects.csv", "quality.json", "quality.md", "quality.html", "quality.es.html"]
# Each run is killed at one point; the next resumes from what the last one left. 1,500 procedures
# are three store batches of 500.
KILLS = [("store.before_commit", 1),   # the first batch, just before its commit: nothing of it stays
         ("store.after_commit", 2),    # two batches committed
         ("store.before_commit", 1),   # the third batch (the first two are known: no commit for them)
         ("file.writing", 2000),       # the store is complete: killed while the publication is written
         ("file.before_rename", 2),    # one file published, the next complete but not renamed
         ("file.after_rename", 6)]     # six files renamed into place


def command(source, out, store):
    return [sys.executable, "-m", "ocds_pipeline.cli", "run", str(source), "--out", str(out), "--store", str(store)]


def releases(store_path):
    store = Store(str(store_path))
    with store.engine.connect() as connection:
        rows = connection.execute(select(tables.releases.c.ocid, tables.releases.c.release_id,
                                         tables.releases.c.tags, tables.releases.c.body)).all()
    store.close()
    return {(ocid, rid): (tags, body) for ocid, rid, tags, body in rows}


def whole(path) -> bool:
    """A published file is either absent or complete."""
    if not path.exists():
        return True
    data = path.read_bytes()
    if path.suffix == ".json":
        json.loads(data)
    elif path.suffix == ".jsonl":
        [json.loads(line) for line in data.splitlines()]
    return data.endswith(b"\n") or path.suffix in {".csv", ".md", ".html"}


@pytest.mark.slow
def test_killed_at_named_points_then_rerun(tmp_path):
    generate(tmp_path / "src", 1500, seed=8)
    subprocess.run(command(tmp_path / "src", tmp_path / "ref", tmp_path / "ref.sqlite"), check=True, capture_output=True)
    reference = releases(tmp_path / "ref.sqlite")
    by_ocid = {}
    for ocid, rid in reference:
        by_ocid.setdefault(ocid, set()).add(rid)

    counts = []
    for point, number in KILLS:
        env = {**os.environ, ENV: f"{point}:{number}"}
        process = subprocess.run(command(tmp_path / "src", tmp_path / "out", tmp_path / "store.sqlite"), env=env,
                                 capture_output=True)
        assert process.returncode == -signal.SIGKILL, (point, number, process.stderr[-500:])
        store = Store(str(tmp_path / "store.sqlite"))
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        store.close()
        partial = {}
        for ocid, rid in releases(tmp_path / "store.sqlite"):
            partial.setdefault(ocid, set()).add(rid)
        assert all(rids == by_ocid[ocid] for ocid, rids in partial.items()), point  # each process whole or absent
        counts.append(len(partial))
        assert all(whole(tmp_path / "out" / name) for name in PUBLISHED), point
    assert counts == [0, 1000, 1000, 1500, 1500, 1500]  # what each kill left in the store

    subprocess.run(command(tmp_path / "src", tmp_path / "out", tmp_path / "store.sqlite"), check=True, capture_output=True)
    assert releases(tmp_path / "store.sqlite") == reference
    for name in PUBLISHED:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    assert not list((tmp_path / "out").glob(".*.tmp"))
