"""Daily batches: only what changed is added, reruns add nothing and publish identical files."""

import csv
import random
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.generate import generate
from ocds_pipeline.mapping import make_ocid
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from sqlalchemy import select

from ocds_pipeline.store import Store, tables
from ocds_pipeline.store.incremental import Change, plan, recorded_date

PUBLISHED = ["releases.json", "releases.jsonl", "records.json", "compiled.jsonl", "rejects.csv", "summary.json",
             "projects.json", "projects.csv", "quality.json", "quality.md", "quality.html", "quality.es.html"]


def rewrite(path: Path, change) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = change(rows)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def day_two(day_one: Path, target: Path, share: float = 0.05, seed: int = 5) -> set[str]:
    """Copy day one and change ~share of procedures: a new title, or a new payment. Return their codes."""
    shutil.copytree(day_one, target)
    rng = random.Random(seed)
    with open(day_one / "procedimientos.csv", encoding="utf-8", newline="") as handle:
        codes = [row["codigo"] for row in csv.DictReader(handle)]
    changed = set(rng.sample(codes, max(1, int(len(codes) * share))))
    with open(day_one / "contratos.csv", encoding="utf-8", newline="") as handle:
        contracts = {row["codigo_procedimiento"]: row for row in csv.DictReader(handle)}
    retitled = {code for code in changed if code not in contracts or rng.random() < 0.5}
    paid = changed - retitled

    def retitle(rows):
        for row in rows:
            if row["codigo"] in retitled:
                row["objeto"] += " (reformado)"
        return rows

    def pay(rows):
        return rows + [{"codigo_contrato": contracts[code]["codigo_contrato"], "numero": "9",
                        "fecha": "2025-12-30", "monto": "1000.00", "concepto": "Planilla"} for code in sorted(paid)]

    rewrite(target / "procedimientos.csv", retitle)
    rewrite(target / "pagos.csv", pay)
    return changed


def published(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in PUBLISHED}


@pytest.mark.slow
def test_day_one_day_two_and_reruns(tmp_path, store_url):
    generate(tmp_path / "day1", 600, seed=21, mix="uniform")
    changed = day_two(tmp_path / "day1", tmp_path / "day2")
    resolver, config = SchemaResolver.from_env(), Config()

    first = run(tmp_path / "day1", tmp_path / "out", config, resolver, store_url=store_url)
    assert first.added == first.summary.mapping.releases > 3000

    second = run(tmp_path / "day2", tmp_path / "out", config, resolver, store_url=store_url)
    store = Store(store_url)
    assert [r["status"] for r in store.runs()] == ["finished", "finished"]
    changed_ocids = {make_ocid(config.ocid_prefix, code) for code in changed}
    with store.engine.connect() as connection:
        rows = connection.execute(select(tables.releases.c.ocid, tables.releases.c.tags)
                                  .where(tables.releases.c.run_id == second.run_id)).all()
    added_ocids = {ocid for ocid, _ in rows}
    assert added_ocids == changed_ocids  # every changed procedure got releases, no other did
    assert second.added == len(rows) and second.updates > 0
    assert any('"tenderUpdate"' in tags for _, tags in rows)      # a retitled tender is corrected
    assert any('"implementation"' in tags for _, tags in rows)    # a new payment is a new event
    day_two_files = published(tmp_path / "out")

    third = run(tmp_path / "day2", tmp_path / "out", config, resolver, store_url=store_url)
    assert third.added == 0
    assert published(tmp_path / "out") == day_two_files
    store.close()


def releases(*ids):
    return [{"ocid": "o", "id": rid, "date": "2024-01-01T00:00:00-05:00", "tag": ["tender"]} for rid in ids]


def test_plan_tells_each_kind_of_change_from_the_ids():
    assert plan([], releases("a", "b")) == (Change.FIRST, releases("a", "b"))
    assert plan(["a", "b"], releases("a", "b")) == (Change.UNCHANGED, [])
    assert plan(["a", "b"], releases("a", "b", "c")) == (Change.GROWN, releases("c"))
    assert plan(["a", "b"], releases("a", "x", "c")) == (Change.CHANGED, [])   # b was replaced
    assert plan(["a", "b"], releases("a")) == (Change.CHANGED, [])             # b is gone
    assert plan(["a", "b"], releases("b", "a")) == (Change.CHANGED, [])        # reordered


def test_a_correction_is_dated_when_recorded_and_after_every_release():
    from datetime import datetime

    from ocds_pipeline.sources.casting import ECUADOR

    now = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=ECUADOR)
    dates = ["2019-07-01T00:00:00-05:00", "2019-07-04T10:00:00-05:00"]
    # The source's modification time, when it is later than what is published.
    assert recorded_date(dates, "2019-08-01T08:00:00-05:00", now) == "2019-08-01T08:00:00-05:00"
    # Else the run's time, to the second.
    assert recorded_date(dates, "2019-07-02T00:00:00-05:00", now) == "2026-12-01T09:30:15-05:00"
    assert recorded_date(dates, None, now) == "2026-12-01T09:30:15-05:00"
    # Dates in other offsets are compared as moments, and the result is in Ecuador's offset.
    # (10:00 in Ecuador is 15:00 UTC: later than 14:00 UTC, although it sorts before it as text.)
    assert recorded_date(["2019-07-04T14:00:00Z"], "2019-07-04T10:00:00-05:00", now) == "2019-07-04T10:00:00-05:00"
    # A release dated after the run (a planned end) is followed one second later.
    assert recorded_date(["2027-01-31T23:59:59-05:00"], None, now) == "2027-02-01T00:00:00-05:00"


def test_reports_only_writes_the_run_s_reports_and_merges_what_changed(tmp_path):
    """With --reports-only, --out holds only the run's rejects and summary (any earlier run's store files
    there are removed, never left stale); the store is the one a run writing every file leaves."""
    generate(tmp_path / "day1", 150, seed=8, mix="uniform")
    day_two(tmp_path / "day1", tmp_path / "day2", share=0.1)
    resolver, config = SchemaResolver.from_env(), Config()
    stores = {mode: f"sqlite:///{tmp_path / mode}.sqlite" for mode in ("every", "reports")}
    for day, now in (("day1", "2026-11-30T20:00:00-05:00"), ("day2", "2026-12-01T20:00:00-05:00")):
        now = datetime.fromisoformat(now)  # corrections are dated when recorded: the same in both stores
        every = run(tmp_path / day, tmp_path / "every", config, resolver, store_url=stores["every"], now=now)
        reports = run(tmp_path / day, tmp_path / "reports", config, resolver, store_url=stores["reports"], now=now,
                      reports_only=day == "day2")  # day one writes every file, as before the switch
    assert sorted(path.name for path in (tmp_path / "reports").iterdir()) == ["rejects.csv", "summary.json"]
    assert reports.summary.files == ["rejects.csv", "summary.json"]
    assert reports.added == every.added > 0 and reports.updates == every.updates > 0
    assert (reports.publication.processes, reports.publication.releases) == (every.publication.processes, every.publication.releases)
    assert reports.publication.merged == every.publication.merged > 0
    compiled = {}
    for mode, url in stores.items():
        store = Store(url)
        compiled[mode] = {ocid: body for ocid, _, _, body, _ in store.compiled_index()}
        store.close()
    assert compiled["reports"] == compiled["every"] and len(compiled["every"]) == 150
