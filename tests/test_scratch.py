"""Scratch folders: removed when done, and those a killed run left behind removed by the next run, never one in use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from ocds_pipeline.scratch import LOCK, Scratch

HOLD = """
import sys, time
from pathlib import Path
from ocds_pipeline.scratch import Scratch
scratch = Scratch("ocds-test-", Path(sys.argv[1]))
scratch.database("big.sqlite").execute("CREATE TABLE t (x)")
print(scratch.path, flush=True)
time.sleep(600)
"""


def _held(tmp_path) -> tuple[subprocess.Popen, str]:
    """A process that made a scratch folder and holds it (until killed)."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    return process, process.stdout.readline().strip()


def test_a_killed_runs_folder_goes_with_the_next_one_and_a_live_runs_stays(tmp_path):
    live, live_folder = _held(tmp_path)
    killed, killed_folder = _held(tmp_path)
    unlocked = tmp_path / "ocds-test-being-made"  # no lock file yet: left alone
    unlocked.mkdir()
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        assert os.path.exists(os.path.join(killed_folder, "big.sqlite"))  # the kill left it behind
        with Scratch("ocds-test-", tmp_path) as scratch:
            assert (scratch.path / LOCK).exists()
            assert not os.path.exists(killed_folder)
            assert os.path.exists(os.path.join(live_folder, "big.sqlite")) and unlocked.exists()
            with Scratch("ocds-test-", tmp_path) as other:  # this process's own folder is in use too
                assert scratch.path.exists() and other.path != scratch.path
        assert not scratch.path.exists()
    finally:
        live.kill()
        live.wait()
    time.sleep(0.1)
    Scratch("ocds-test-", tmp_path).cleanup()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ocds-test-being-made"]
