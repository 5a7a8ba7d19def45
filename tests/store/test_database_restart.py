"""PostgreSQL restarted in the middle of a run: one clear error, the store keeps what was committed, and
a clean rerun gives what an uninterrupted run gives. The run is stopped at a named point
(``<point>:<n>:stop``, ocds_pipeline/faults.py) while the server restarts, so the timing is the same
on any machine."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

from sqlalchemy import select

from ocds_pipeline.faults import ENV
from ocds_pipeline.generate import generate
from ocds_pipeline.store import Store, tables
from tests.postgres import Cluster

LOST = (r"error: the store's database failed or went away \((?P<cause>[^\n]+)\): run again once it is back; "
        r"the store keeps every batch committed before, and the rerun finishes the job\n")


def command(source, out, store_url) -> list[str]:
    return [sys.executable, "-m", "ocds_pipeline.cli", "--quiet", "run", str(source), "--out", str(out), "--store", store_url]


def releases(store_url) -> set[tuple[str, str, str]]:
    store = Store(store_url)
    with store.engine.connect() as connection:
        rows = connection.execute(select(tables.releases.c.ocid, tables.releases.c.release_id,
                                         tables.releases.c.content_hash)).all()
    store.close()
    return set(rows)


def test_a_restart_in_the_middle_of_a_run(tmp_path):
    generate(tmp_path / "src", 30, seed=4)
    cluster = Cluster()  # its own server: restarting it ends no other test's connections
    try:
        store_url, reference_url = cluster.new_database(), cluster.new_database()
        subprocess.run(command(tmp_path / "src", tmp_path / "ref", reference_url), check=True)

        running = subprocess.Popen(command(tmp_path / "src", tmp_path / "out", store_url), text=True,
                                   stderr=subprocess.PIPE, env={**os.environ, ENV: "store.after_commit:1:stop"})
        _, status = os.waitpid(running.pid, os.WUNTRACED)  # stopped just after its first batch was committed
        assert os.WIFSTOPPED(status)
        cluster.restart()
        os.kill(running.pid, signal.SIGCONT)
        assert running.wait() == 2
        stderr = running.stderr.read()
        assert re.fullmatch(LOST, stderr), stderr

        subprocess.run(command(tmp_path / "src", tmp_path / "out", store_url), check=True)
        assert releases(store_url) == releases(reference_url)
        for name in ["releases.json", "records.json", "compiled.jsonl"]:
            assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    finally:
        cluster.stop()
