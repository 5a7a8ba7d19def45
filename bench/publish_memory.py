"""Where a publish's memory goes: each step's peak RSS, sampled every 10 ms, in the publish process.

    python bench/publish_memory.py STORE PUBLICATION [WORKERS]

The publication is copied first (hard links: a national one costs seconds and little disk), and the copy's
manifest forgets its statistics, so the publish combines every year's facts and writes the indicators, OC4IDS
and the site again, as a day's run does (its years' files are linked, unchanged). The publication itself is
left as it was, and the copy is removed at the end. The code measured is the ``ocds_pipeline`` importable here
(``PYTHONPATH`` chooses a checkout). Prints a line per step as it ends (nested steps indented, before their
parent): seconds since the start, its time, RSS at its start and end, and its peak.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ocds_pipeline.publish import publication, site
from ocds_pipeline.publish.versions import Versions
from ocds_pipeline.store import Store

STEPS = [(publication._Build, name) for name in ("_full", "_changes", "_statistics", "_documents", "_site",
                                                 "_manifest", "_red_flags", "_projects", "_table")]
STEPS += [(publication, "combine"), (publication, "write_quality_report"), (Store, "projects")]
STEPS += [(site.Site, name) for name in ("_years", "_entities", "_statistics")]


def rss() -> int:
    """This process's resident memory, in MiB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20


class Peaks:
    """The steps running now, each with the highest RSS seen since it started."""

    def __init__(self) -> None:
        self.running: list[list[Any]] = []
        self.start = time.monotonic()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            now = rss()
            for step in list(self.running):
                step[1] = max(step[1], now)
            time.sleep(0.01)

    def traced(self, owner: Any, name: str) -> None:
        function: Callable[..., Any] = getattr(owner, name)
        label = f"{getattr(owner, '__name__', owner)}.{name}".removeprefix("ocds_pipeline.publish.")

        @functools.wraps(function)
        def step(*args: Any, **kwargs: Any) -> Any:
            entry, began, started = [label, rss()], rss(), time.monotonic()
            self.running.append(entry)
            depth = len(self.running)
            try:
                return function(*args, **kwargs)
            finally:
                self.running.remove(entry)
                print(f"{time.monotonic() - self.start:7.1f} s {'  ' * depth}{label:32s} {time.monotonic() - started:6.1f} s"
                      f"   start {began:5d}  end {rss():5d}  peak {entry[1]:5d} MiB", flush=True)

        setattr(owner, name, step)


def copy(publication_root: Path) -> Versions:
    """A hard-linked copy of the publication (``memory-bench`` beside it), its manifest without statistics."""
    original, bench = Versions(publication_root), Versions(publication_root.parent / "memory-bench")
    remove(bench)
    shutil.copytree(original.home, bench.home, copy_function=os.link)
    current = original.current()
    bench.root.symlink_to(bench.home.relative_to(bench.root.parent) / current.name)
    manifest = bench.root / "datapackage.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["ocds_pipeline"].pop(publication.STATISTICS, None)
    manifest.unlink()  # a link to the original's: replaced, not written through
    manifest.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return bench


def remove(bench: Versions) -> None:
    shutil.rmtree(bench.home, ignore_errors=True)
    for path in (bench.root, bench.root.parent / f".{bench.root.name}.lock"):
        path.unlink(missing_ok=True)


def main(store: str, publication_root: str, workers: str = "2") -> None:
    from ocds_pipeline.cli import main as cli

    peaks = Peaks()
    for owner, name in STEPS:
        peaks.traced(owner, name)
    bench = copy(Path(publication_root))
    try:
        cli(["--quiet", "publish", "--store", store, "--out", str(bench.root), "--workers", workers],
            standalone_mode=False)
    finally:
        remove(bench)
        print(f"peak RSS: publish process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MiB, "
              f"largest child process {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10} MiB")


if __name__ == "__main__":
    main(*sys.argv[1:])
