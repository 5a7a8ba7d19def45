"""Kill -9 at every named point of a daily `run` that publishes (ocds_pipeline/faults.py), one point at a time.

Each time, from the same state (yesterday's run complete): the store is consistent and every
process holds yesterday's or today's releases, never a mix; the publication is a whole version
that verifies against its datapackage.json; the run's files are whole. Then a rerun gives exactly
what an uninterrupted run gives. The points are found by counting them in an uninterrupted run, so
a new checkpoint is covered as soon as it is added.

Runs are forked from this process (imports and schemas already loaded), so that the 20-odd kills
cost a second each rather than a new interpreter each.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import traceback
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ocds_pipeline import faults
from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import run
from ocds_pipeline.publish.manifest import verify
from ocds_pipeline.publish.versions import Versions
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store, tables
from tests.conftest import BAD

OUT_FILES = ["releases.json", "releases.jsonl", "records.json", "compiled.jsonl", "rejects.csv", "summary.json",
             "projects.json", "projects.csv", "quality.json", "quality.md", "quality.html", "quality.es.html"]
PARTS = 4  # the points are shared among this many tests, so that the suite's workers share them
NEW_PROCEDURE = ("SIE-GADMQ-2024-00003,1768164490001,Subasta Inversa Electrónica,Impresoras láser,Compra de 5 impresoras,"
                 "Bien,2000.00,2024-06-03 10:00:00,2024-06-10 10:00:00,,Publicado,Pichincha,452300011,,2024-06-03 10:00:00\n")
NEW_PAYMENT = "CTR-2024-0001,2,2024-06-10,250000.00,Planilla\n"


def in_child(job, kill_at: str | None = None, counts: Path | None = None) -> int:
    """Run ``job`` in a forked child armed to die at ``kill_at``; its exit code, or minus the signal that
    ended it. With ``counts``, the child writes there how often it passed each point."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            faults.arm(kill_at)
            job()
            if counts:
                counts.write_text(json.dumps(faults.REACHED))
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


class Site:
    """A run's three places: its store, its out folder and its publication."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.store, self.out, self.publication = folder / "store.sqlite", folder / "out", folder / "publication"

    def run(self, source: Path, kill_at: str | None = None, counts: Path | None = None) -> int:
        """Today's run, a store batch per process (for more store commits to kill at)."""
        resolver = SchemaResolver.from_env()
        return in_child(lambda: run(source, self.out, Config(), resolver, store_url=str(self.store),
                                    publication_root=self.publication, batch_size=1), kill_at, counts)

    def copy(self, folder: Path) -> "Site":
        shutil.copytree(self.folder, folder, symlinks=True)
        return Site(folder)

    def releases(self) -> dict[str, set[str]]:
        store = Store(str(self.store))
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            rows = connection.execute(select(tables.releases.c.ocid, tables.releases.c.release_id)).all()
        store.close()
        found: dict[str, set[str]] = {}
        for ocid, release_id in rows:
            found.setdefault(ocid, set()).add(release_id)
        return found

    def outputs(self) -> dict[str, bytes]:
        """The run's files. summary.json is taken without the publication's folder (each site's own) and
        history: its version number, and which files it wrote or linked (a rerun after the swap links all)."""
        files = {name: (self.out / name).read_bytes() for name in OUT_FILES}
        summary = json.loads(files["summary.json"])
        for key in ("root", "version", "changed", "carried"):
            summary.get("publication", {}).pop(key, None)
        files["summary.json"] = json.dumps(summary).encode()
        return files

    def published(self) -> dict[str, bytes]:
        """The current version's files, checked against its manifest."""
        current = Versions(self.publication).current()
        manifest = json.loads((current / "datapackage.json").read_text(encoding="utf-8"))
        assert verify(current, manifest["resources"]) == []
        return {p.relative_to(current).as_posix(): p.read_bytes() for p in sorted(current.rglob("*")) if p.is_file()}


def comparable(files: dict[str, bytes]) -> dict[str, bytes]:
    """A publication without the history it records: its version number, the run that last changed
    each file, and how the change feed is cut into runs (a killed run that committed some releases
    has a feed file of its own, and the rerun one with the rest). The feed's releases, all together,
    and everything else must be byte for byte the same."""
    kept = {name: body for name, body in files.items()
            if not name.startswith("changes/") and name not in {"datapackage.json", "site/data/downloads.js"}}
    kept["changes"] = b"".join(sorted(line for name, body in files.items() if name.startswith("changes/")
                                      for line in gzip.decompress(body).splitlines(keepends=True)))
    script = files["site/data/downloads.js"].decode()
    start, end = script.index("["), script.rindex("]") + 1
    downloads = [entry for entry in json.loads(script[start:end]) if not entry["path"].startswith("changes/")]
    kept["site/data/downloads.js"] = (script[:start] + json.dumps(downloads) + script[end:]).encode()
    manifest = json.loads(files["datapackage.json"])
    del manifest["version"]
    manifest["resources"] = [entry for entry in manifest["resources"] if not entry["path"].startswith("changes/")]
    for entry in manifest["resources"]:  # hashes and sizes were verified against the files, compared above
        for key in ("updated_in_run", "hash", "bytes"):
            entry.pop(key, None)
    state = manifest["ocds_pipeline"]
    state["changes"] = sum(state["changes"].values())
    kept["datapackage.json"] = json.dumps(manifest, sort_keys=True).encode()
    return kept


def todays_source(folder: Path) -> Path:
    """The base source a day later: one new procedure, and one more payment of the contract."""
    today = folder / "today"
    shutil.copytree(BAD / "base", today)
    for table, row in [("procedimientos", NEW_PROCEDURE), ("pagos", NEW_PAYMENT)]:
        with open(today / f"{table}.csv", "a", encoding="utf-8") as handle:
            handle.write(row)
    return today


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Yesterday's source and state, today's source, and today's uninterrupted result."""
    folder = tmp_path_factory.mktemp("days")
    today = todays_source(folder)
    yesterday = Site(folder / "yesterday")
    for _ in range(2):  # two versions published, so that today's run also removes the oldest
        assert yesterday.run(BAD / "base") == 0
    reference = yesterday.copy(folder / "reference")
    counts_file = folder / "counts.json"  # how often an uninterrupted run of today passes each point
    assert yesterday.copy(folder / "counted").run(today, kill_at="any:0", counts=counts_file) == 0
    assert reference.run(today) == 0
    return yesterday, today, reference, json.loads(counts_file.read_text())


def kill_points(counts: dict[str, int]) -> list[str]:
    """Every point at its first, middle and last passage."""
    return sorted({f"{point}:{n}" for point, total in counts.items() for n in (1, (total + 1) // 2, total)})


def test_every_named_point_is_passed_and_killed_at(days):
    counts = days[3]
    assert len(kill_points(counts)) >= 20, counts
    assert {"store.before_commit", "store.after_commit", "file.writing", "file.before_rename", "file.after_rename",
            "publication.staged", "publication.before_swap", "publication.after_swap", "publication.pruned",
            "store.run_recorded", "store.rejects_saved", "store.projects_saved", "store.run_finished"} <= set(counts)


@pytest.mark.parametrize("part", range(PARTS))
def test_killed_at_every_point_then_rerun(tmp_path, days, part):
    yesterday, today, reference, counts = days
    points = kill_points(counts)[part::PARTS]
    before, after = yesterday.releases(), reference.releases()
    old, new = comparable(yesterday.published()), comparable(reference.published())
    outputs = yesterday.outputs(), reference.outputs()
    for number, point in enumerate(points):
        site = yesterday.copy(tmp_path / str(number))
        assert site.run(today, kill_at=point) == -signal.SIGKILL, point
        assert all(ids in (before.get(ocid), after[ocid]) for ocid, ids in site.releases().items()), point
        assert comparable(site.published()) in (old, new), point  # the whole previous or the whole new version
        for name, body in site.outputs().items():  # each of the run's files is yesterday's or today's, whole
            assert body in (outputs[0][name], outputs[1][name]), (point, name)
        assert site.run(today) == 0, point
        assert site.releases() == after, point
        assert comparable(site.published()) == new, point
        assert site.outputs() == outputs[1], point
        assert not list(site.out.glob(".*.tmp")) and not list(site.folder.glob(".publication.versions/*.partial"))
        shutil.rmtree(site.folder)
