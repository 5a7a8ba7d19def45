"""One writer at a time (ocds_pipeline/store/lock.py): a second `run`, `publish` or `ingest` on the same
store is refused with a message naming the holder, never interleaved, and a killed holder leaves no lock."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ocds_pipeline.cli import main
from ocds_pipeline.generate import generate
from ocds_pipeline.store import Store, StoreBusy, tables
from tests.conftest import FIXTURES

HOLD = """
import sys
from ocds_pipeline.store import Store
store = Store(sys.argv[1])
with store.exclusive("run"):
    print("held", flush=True)
    sys.stdin.read()
"""


def busy_message(shown: str, pid: int) -> str:
    holder = re.escape(f"ocds-pipeline run, pid {pid}, since ") + r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    return (re.escape(f"the store {shown} is being written by another command (") + holder
            + re.escape("): wait for it to finish and run again; two writers at once would interleave their changes"))


def test_a_second_writer_is_refused_until_the_first_is_done(store_url):
    first, second = Store(store_url), Store(store_url)
    shown = store_url.removeprefix("sqlite:///") if store_url.startswith("sqlite") else store_url
    with first.exclusive("run"):
        with first.exclusive("publish"):  # re-entrant: `run` publishes under its own lock
            pass
        with pytest.raises(StoreBusy) as refused:
            with second.exclusive("publish"):
                pytest.fail("two writers held the store at once")
        assert re.fullmatch(busy_message(shown, os.getpid()), str(refused.value))
    with second.exclusive("publish"):  # released
        pass
    first.close()
    second.close()


@pytest.fixture
def holder(tmp_path):
    """Another process holding the store's lock, as a run in progress does; it is killed with -9 at the end."""
    store = tmp_path / "store.sqlite"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(store)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline() == "held\n"
    yield store, process
    if process.poll() is None:
        process.kill()
        process.wait()


def runs(store_path) -> int:
    store = Store(str(store_path))
    with store.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(tables.runs)).scalar()
    store.close()
    return count


def test_run_publish_and_ingest_are_refused_while_a_run_holds_the_store_and_go_once_it_is_killed(tmp_path, holder):
    store, process = holder
    runner = CliRunner()
    commands = [["run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store", str(store)],
                ["publish", "--store", str(store), "--out", str(tmp_path / "publication")],
                ["ingest", str(tmp_path / "nothing.json"), "--store", str(store)]]
    (tmp_path / "nothing.json").write_text('{"releases": []}', encoding="utf-8")
    for command in commands:
        result = runner.invoke(main, ["--quiet", *command])
        assert result.exit_code == 2, (command, result.output)
        assert re.fullmatch("error: " + busy_message(str(store), process.pid) + "\n", result.stderr), result.stderr
    assert runs(store) == 0  # the refused run recorded nothing
    assert not (tmp_path / "out").exists() and not (tmp_path / "publication").exists()

    process.send_signal(signal.SIGKILL)  # a killed holder leaves no lock behind
    process.wait()
    result = runner.invoke(main, ["--quiet", *commands[0]])
    assert result.exit_code == 0, result.output
    assert runs(store) == 1


@pytest.mark.slow
def test_two_runs_started_at_once_never_interleave(tmp_path):
    generate(tmp_path / "src", 100, seed=5)
    command = [sys.executable, "-m", "ocds_pipeline.cli", "--quiet", "run", str(tmp_path / "src"),
               "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store.sqlite")]
    started = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = [(process.wait(), process.stderr.read()) for process in started]
    finished = [code for code, _ in outcomes if code == 0]
    assert finished, outcomes
    for (code, stderr), process in zip(outcomes, started):
        assert code == 0 or re.fullmatch("error: " + busy_message(str(tmp_path / "store.sqlite"),
                                                                   started[1 - started.index(process)].pid) + "\n", stderr)
    subprocess.run([sys.executable, "-m", "ocds_pipeline.cli", "--quiet", "run", str(tmp_path / "src"),
                    "--out", str(tmp_path / "ref"), "--store", str(tmp_path / "ref.sqlite")], check=True)
    for name in ["releases.json", "records.json", "compiled.jsonl"]:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name


HOLD_WITH_A_WORKER = """
import os, signal, sys, time
from ocds_pipeline.parallel import map_forked
from ocds_pipeline.store import Store

def slow(seconds):
    print("working", flush=True)
    time.sleep(seconds)
    return seconds

store = Store(sys.argv[1])
with store.exclusive("run"):
    for _ in map_forked(slow, [60], 1):
        pass
"""


def test_a_killed_writer_leaves_no_lock_behind_in_its_workers(store_url):
    """A run killed while a forked worker is busy: the worker inherited the lock's file or connection,
    but the lock goes with the run, not when the worker ends."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_WITH_A_WORKER, store_url], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "working\n"
        process.send_signal(signal.SIGKILL)
        process.wait()
        store = Store(store_url)
        try:
            with store.exclusive("run"):  # at once, while the orphaned worker still sleeps
                pass
        finally:
            store.close()
    finally:
        if process.poll() is None:
            process.kill()
        subprocess.run(["pkill", "-f", "-9", "map_forked\\(slow"], check=False)
