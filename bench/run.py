"""Benchmarks: each case runs as its own subprocess; we report wall time and peak RSS.

Usage: python bench/run.py [CASE ...]   (cases: generate, check, map, compile, indicators, indicators-dask, validate, quality,
       publish, site, privacy, daily, daily-scale (100,000 and 1,000,000 procedures: hours),
       memory, store; default all)
Figures go into bench/README.md together with the command that produced them.
"""

from __future__ import annotations

import argparse
import filecmp
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
CLI = [sys.executable, "-m", "ocds_pipeline.cli"]


# Runs a command and prints its peak RSS (KiB). A process started from this one would begin with this one's peak
# RSS as its own (Linux carries it over at exec), and this process grows when a case reads outputs back.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def measure(command: list[str], exit_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run ``command``; return (seconds, peak RSS in MiB) of that process alone (started by a small
    launcher, so that its peak does not start at this process's)."""
    start = time.perf_counter()
    launched = subprocess.run([sys.executable, "-c", LAUNCHER, *command], stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if launched.returncode not in exit_codes:
        raise SystemExit(f"benchmark command failed ({launched.returncode}): {' '.join(command)}")
    return elapsed, int(launched.stdout) / 1024


def bench_generate() -> list[tuple[str, float, float]]:
    rows = []
    for n in (10_000, 100_000):
        seconds, rss = measure([*CLI, "generate", "--procedures", str(n), "--seed", "1", "--out", str(OUT / f"gen-{n}")])
        rows.append((f"generate --procedures {n:,}", seconds, rss))
    return rows


def bench_check() -> list[tuple[str, float, float]]:
    rows = []
    for n in (10_000, 100_000):
        seconds, rss = measure([*CLI, "check", str(_generated(n))])
        rows.append((f"check ({n:,} procedures)", seconds, rss))
    return rows


def _generated(n: int) -> Path:
    folder = OUT / f"gen-{n}"
    if not folder.exists():
        measure([*CLI, "generate", "--procedures", str(n), "--seed", "1", "--out", str(folder)])
    return folder


def bench_map() -> list[tuple[str, float, float]]:
    """Ours with the CPUs' workers (the default), ours in one process (the same files), and the floor:
    orjson parsing and dumping the releases it wrote."""
    rows = []
    for n in (10_000, 100_000):
        out, alone_out = OUT / f"map-{n}", OUT / f"map-{n}-1"
        seconds, rss = measure([*CLI, "map", str(_generated(n)), "--out", str(out)])
        alone, alone_rss = measure([*CLI, "map", str(_generated(n)), "--out", str(alone_out), "--workers", "1"])
        for name in ("releases.jsonl", "releases.json", "rejects.csv"):  # in chunks: a forked child starts with our peak RSS
            if not filecmp.cmp(out / name, alone_out / name, shallow=False):
                raise SystemExit(f"map with workers and in one process wrote different {name}")
        floor, floor_rss = measure([sys.executable, "-c", ORJSON_DUMP_FLOOR, str(out / "releases.jsonl")])
        summary = json.loads((out / "summary.json").read_text())
        rows += [(f"map ({n:,} procedures → {summary['releases']:,} releases, {summary['releases'] / seconds:,.0f} "
                  f"releases/s, {seconds / floor:.1f}× the floor)", seconds, rss),
                 (f"the same with --workers 1 ({alone / floor:.1f}× the floor)", alone, alone_rss),
                 ("orjson floor: parse and dump the same releases", floor, floor_rss)]
    return rows


def bench_compile() -> list[tuple[str, float, float]]:
    """Ours (records, compiled releases and the releases they link; then compiled releases alone) vs the
    reference tools, which write compiled releases alone."""
    from ocds_pipeline.extensions import patched_release_schema
    from ocds_pipeline.schemas import SchemaResolver

    schema = OUT / "patched-release-schema.json"
    schema.write_text(json.dumps(patched_release_schema(SchemaResolver.from_env())))
    rows = []
    for n in (10_000, 100_000):
        mapped = OUT / f"map-{n}"
        if not (mapped / "releases.jsonl").exists():
            measure([*CLI, "map", str(_generated(n)), "--out", str(mapped)])
        releases = sum(1 for _ in open(mapped / "releases.jsonl", "rb"))
        ours, ours_rss = measure([*CLI, "compile", str(mapped / "releases.jsonl"), "--out", str(OUT / f"compiled-{n}")])
        rows.append((f"ocds-pipeline compile, {n:,} procedures ({releases:,} releases, {releases / ours:,.0f}/s)", ours, ours_rss))
        only, only_rss = measure([*CLI, "compile", str(mapped / "releases.jsonl"), "--compiled-only",
                                  "--out", str(OUT / f"compiled-only-{n}")])
        rows.append((f"ocds-pipeline compile --compiled-only (compiled.jsonl alone, as ocdskit), {n:,} procedures "
                     f"({releases / only:,.0f}/s)", only, only_rss))
        references = {
            "ocdskit compile": (["sh", "-c", f"{Path(sys.executable).parent / 'ocdskit'} compile --schema {schema} "
                                 f"< {mapped / 'releases.json'} > {OUT / f'ocdskit-{n}.jsonl'}"]),
            "ocdsmerge-rs": [sys.executable, str(HERE / "compile_reference.py"), str(mapped / "releases.jsonl"),
                             str(schema), str(OUT / f"rs-{n}.jsonl"), "--engine", "ocdsmerge-rs"],
        }
        for name, command in references.items():
            seconds, rss = measure(command)
            rows.append((f"{name}, {n:,} procedures ({releases / seconds:,.0f} releases/s; ours is "
                         f"{seconds / ours:.1f}× faster, {seconds / only:.1f}× with --compiled-only)", seconds, rss))
    return rows


ORJSON_FLOOR = """
import sys, orjson
with open(sys.argv[1], "rb") as handle:
    count = sum(1 for line in handle if orjson.loads(line))
print(count)
"""
ORJSON_DUMP_FLOOR = ORJSON_FLOOR.replace("if orjson.loads(line)", "if orjson.dumps(orjson.loads(line))")


def _million_compiled() -> Path:
    """1,000,000 compiled releases: the 100,000-procedure compiled file ten times, ocids made distinct."""
    target = OUT / "compiled-1000000.jsonl"
    if target.exists():
        return target
    source = OUT / "compiled-100000" / "compiled.jsonl"
    if not source.exists():
        measure([*CLI, "compile", str(OUT / "map-100000" / "releases.jsonl"), "--out", str(OUT / "compiled-100000")])
    with open(target, "wb") as out:
        for copy in range(10):
            with open(source, "rb") as handle:
                for line in handle:
                    out.write(line.replace(b'ocds-5wno2w-', f'ocds-5wno2w-R{copy}-'.encode()))
    return target


def bench_indicators() -> list[tuple[str, float, float]]:
    """Ours with the CPUs' workers reading the file's blocks (the default), ours in one process, and the floor."""
    path = _million_compiled()
    command = [*CLI, "indicators", str(path), "--by", "year,regime"]
    ours, ours_rss = measure([*command, "--out", str(OUT / "indicators.csv")])
    alone, alone_rss = measure([*command, "--workers", "1", "--out", str(OUT / "indicators-1.csv")])
    if (OUT / "indicators.csv").read_bytes() != (OUT / "indicators-1.csv").read_bytes():
        raise SystemExit("the indicators read by the workers differ from those read in one process")
    floor, floor_rss = measure([sys.executable, "-c", ORJSON_FLOOR, str(path)])
    return [(f"ocds-pipeline indicators, 1,000,000 compiled releases, --by year,regime ({ours / floor:.1f}× the floor)",
             ours, ours_rss),
            (f"the same with --workers 1 ({alone / floor:.1f}× the floor)", alone, alone_rss),
            ("plain orjson parse of the same file (the floor)", floor, floor_rss)]


def bench_indicators_dask() -> list[tuple[str, float, float]]:
    """The same 1,000,000 compiled releases: facts written as Parquet by year (pandas), then the table from
    them on a local Dask cluster of 2 workers (the client's RSS; each worker is a process of its own)."""
    path, facts = _million_compiled(), OUT / "facts-1000000"
    import shutil

    shutil.rmtree(facts, ignore_errors=True)
    write, write_rss = measure([*CLI, "indicators", str(path), "--by", "year,regime", "--facts-out", str(facts),
                                "--out", str(OUT / "indicators-pandas.csv")])
    dask, dask_rss = measure([*CLI, "indicators", str(facts), "--engine", "dask", "--by", "year,regime",
                              "--out", str(OUT / "indicators-dask.csv")])
    local, local_rss = measure([sys.executable, "-c", PARQUET_PANDAS, str(facts)])
    return [("indicators --facts-out (pandas engine, and the Parquet facts by year), 1,000,000", write, write_rss),
            ("indicators --engine dask from the Parquet facts, local cluster of 2 workers, 1,000,000", dask, dask_rss),
            ("pandas in one process from the same Parquet facts (read_facts + summarise), 1,000,000", local, local_rss)]


PARQUET_PANDAS = """
import sys
from pathlib import Path
from ocds_pipeline.indicators.distributed import read_facts
from ocds_pipeline.indicators.summary import summarise
summarise(read_facts(Path(sys.argv[1])), ["year", "regime"])
"""


def _standard_zip() -> Path:
    """OCDS 1.1.5 as the minimal ZIP libcoveocds reads offline (from the pinned local files)."""
    import zipfile

    from ocds_pipeline.schemas import SchemaResolver, load_pins

    target = OUT / "standard-1__1__5.zip"
    resolver = SchemaResolver.from_env()
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for name in load_pins():
            if name.startswith("ocds-1.1.5/"):
                archive.write(resolver.resolve(name), f"standard-1__1__5/schema/{name.split('/', 1)[1]}")
    return target


def _hundred_thousand_releases() -> tuple[Path, Path]:
    """The first 100,000 releases of the 100,000-procedure map, as JSON Lines and as one release package."""
    lines, package = OUT / "releases-100k.jsonl", OUT / "releases-100k.json"
    if package.exists():
        return lines, package
    source = OUT / "map-100000"
    if not (source / "releases.jsonl").exists():
        measure([*CLI, "map", str(_generated(100_000)), "--out", str(source)])
    from ocds_pipeline.sources.package_ends import package_tail

    with open(source / "releases.json", "rb") as handle:
        head = handle.read(1 << 16)
    metadata = head[: head.index(b'"releases":[')]
    tail = package_tail(source / "releases.json", "releases")  # publishedDate comes after the releases
    with open(source / "releases.jsonl", "rb") as handle, open(lines, "wb") as jsonl, open(package, "wb") as out:
        out.write(metadata + b'"releases":[')
        for number, line in zip(range(100_000), handle):
            jsonl.write(line)
            out.write((b"," if number else b"") + line.rstrip(b"\n"))
        out.write(b"]," + json.dumps(tail).encode()[1:] if tail else b"]}")
    return lines, package


def bench_validate() -> list[tuple[str, float, float]]:
    """ocds-pipeline validate vs libcoveocds (offline) on the same 100,000 releases, in the same run."""
    lines, package = _hundred_thousand_releases()
    # Ours takes about a second, where a noisy machine shows: the median of 5 runs, with the range.
    runs, ranges = {}, {}
    for name, path in (("package", package), ("JSON Lines", lines)):
        times = sorted(measure([*CLI, "validate", str(path), "--json", str(OUT / f"validate-{name}.json")]) for _ in range(5))
        runs[name], ranges[name] = times[2], f"{times[0][0]:.2f}–{times[-1][0]:.2f} s"
    for name in runs:
        report = json.loads((OUT / f"validate-{name}.json").read_text())
        assert report["releases"] == 100_000, report["releases"]
    libcove = Path(sys.executable).parent / "libcoveocds"
    references = {
        "libcoveocds, extensions applied (served from the pinned copies)":
            measure([sys.executable, str(HERE / "libcove_offline.py"), str(package)]),
        "libcoveocds --standard-zip (core only: it cannot fetch the extensions offline)":
            measure([str(libcove), "--standard-zip", str(_standard_zip()), str(package)]),
    }
    reference = next(iter(references.values()))[0]
    rows = [(f"ocds-pipeline validate, {name}, 100,000 releases, median of 5 runs ({ranges[name]}; "
             f"{100_000 / seconds:,.0f}/s; {reference / seconds:.1f}× libcoveocds with extensions)", seconds, rss)
            for name, (seconds, rss) in runs.items()]
    rows += [(f"{name}, package ({100_000 / seconds:,.0f}/s)", seconds, rss) for name, (seconds, rss) in references.items()]
    return rows


def bench_quality() -> list[tuple[str, float, float]]:
    """Data quality of 100,000 compiled releases, in one process and in parallel blocks (no reference tool offline)."""
    path = OUT / "compiled-100000" / "compiled.jsonl"
    if not path.exists():
        measure([*CLI, "compile", str(OUT / "map-100000" / "releases.jsonl"), "--out", str(OUT / "compiled-100000")])
    rows = []
    for workers in (1, 2):
        command = [*CLI, "quality", str(path), "--workers", str(workers), "--out", str(OUT / f"quality-{workers}")]
        seconds, rss = measure(command, exit_codes=(0, 1))  # 1: some checks fail, which is a result
        rows.append((f"ocds-pipeline quality, 100,000 compiled releases, --workers {workers} "
                     f"({100_000 / seconds:,.0f} processes/s)", seconds, rss))
    return rows


def _store(n: int) -> Path:
    """A store holding the mapped releases of ``n`` generated procedures (ingested, not timed)."""
    store = OUT / f"store-{n}.sqlite"
    if not store.exists():
        mapped = OUT / f"map-{n}"
        if not (mapped / "releases.jsonl").exists():
            measure([*CLI, "map", str(_generated(n)), "--out", str(mapped)])
        measure([*CLI, "ingest", str(mapped / "releases.jsonl"), "--store", str(store)])
    return store


def _uncompiled(store: Path) -> None:
    """Forget the store's compiled releases, so that the first publish merges every process."""
    import sqlite3

    with sqlite3.connect(store) as connection:
        connection.execute("DELETE FROM compiled")
        connection.execute("DELETE FROM meta WHERE key = 'compiled_through'")


def _fresh(*folders: Path) -> None:
    import shutil

    for folder in folders:
        for path in (folder, folder.parent / f".{folder.name}.versions"):
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.exists():
                shutil.rmtree(path)


FLATTEN_TOOL_LIMIT = 100_000


def bench_publish(sizes: tuple[int, ...] = (10_000, 100_000)) -> list[tuple[str, float, float]]:
    """The whole publication from a store, then the flattening alone side by side with flatten-tool and
    flatterer on the same compiled releases (CSV tables and an Excel workbook each)."""
    rows = []
    for n in sizes:
        store, root = _store(n), OUT / f"publication-{n}"
        _fresh(root)
        _uncompiled(store)
        seconds, rss = measure([*CLI, "publish", "--store", str(store), "--out", str(root)])
        processes = json.loads((root / "datapackage.json").read_text())["coverage"]["processes"]
        rows.append((f"ocds-pipeline publish, {n:,} procedures ({processes:,} processes): merge every process, "
                     f"write every file", seconds, rss))
        seconds, rss = measure([*CLI, "publish", "--store", str(store), "--out", str(root)])
        rows.append((f"ocds-pipeline publish again, nothing changed ({n:,} procedures)", seconds, rss))
        compiled = OUT / f"publication-compiled-{n}.jsonl"
        package = OUT / f"publication-compiled-{n}.json"
        with open(compiled, "wb") as lines, open(package, "wb") as releases:
            releases.write(b'{"releases":[')
            for number, part in enumerate(sorted((root / "ocds").glob("[0-9u]*/compiled*.jsonl.gz"))):
                with gzip.open(part, "rb") as handle:
                    for index, line in enumerate(handle):
                        lines.write(line)
                        releases.write((b"," if number or index else b"") + line.rstrip(b"\n"))
            releases.write(b"]}")
        tools = {
            "ocds_pipeline's flattener (bench/flatten_ours.py)": [sys.executable, str(HERE / "flatten_ours.py"),
                                                                 str(compiled), str(OUT / f"ours-flat-{n}")],
            "flatterer --ndjson --csv --xlsx": [str(Path(sys.executable).parent / "flatterer"), "--ndjson", "--xlsx",
                                                "--force", str(compiled), str(OUT / f"flatterer-{n}")],
        }
        # flatten-tool writes CSV and Excel in two runs: its `-f all` adds ODS, which we do not write (and
        # which alone took 4 of its 5 minutes and 3.5 GB at 10,000).
        if n <= FLATTEN_TOOL_LIMIT:
            for format_ in ("csv", "xlsx"):
                tools[f"flatten-tool flatten -f {format_}"] = [
                    str(Path(sys.executable).parent / "flatten-tool"), "flatten", "-f", format_, "--root-list-path",
                    "releases", "--root-id", "ocid", "-o", str(OUT / f"flattentool-{n}-{format_}"), str(package)]
        for name, command in tools.items():
            seconds, rss = measure(command)
            rows.append((f"{name}, {processes:,} compiled releases", seconds, rss))
    return rows


def bench_privacy(n: int = 10_000) -> list[tuple[str, float, float]]:
    """The publication with the default privacy policy, then with every output masking every natural person's
    field (pseudonyms everywhere: every process is parsed and rewritten), from the same store."""
    store, rows = _store(n), []
    strict = OUT / "privacy-strict.yaml"
    outputs = ("ocds", "spreadsheets", "site", "api")
    strict.write_text("privacy:\n" + "".join(f"  {output}: {{identifier: mask, address: drop, email: mask, telephone: mask}}\n"
                                             for output in outputs))
    os.environ["OCDS_PIPELINE_PRIVACY_KEY"] = "bench-key-of-sixteen-characters-or-more"  # the subprocesses inherit it
    measure([*CLI, "publish", "--store", str(store), "--out", str(OUT / "privacy-warm")])  # compiled releases cached
    for label, config in (("default policy", []), ("every field of every output masked or dropped", ["--config", str(strict)])):
        root = OUT / f"privacy-{n}"
        _fresh(root)
        seconds, rss = measure([*CLI, *config, "publish", "--store", str(store), "--out", str(root)])
        rows.append((f"ocds-pipeline publish, {n:,} procedures, {label}", seconds, rss))
    _fresh(OUT / "privacy-warm", OUT / f"privacy-{n}")
    return rows


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def _write_csv(path: Path, fields: list[str], rows: list[dict[str, str]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        writer.writerows(rows)


def _next_day(source: Path, folder: Path, offset: int = 0, delta: bool = False, year: str | None = None) -> tuple[int, int]:
    """The export a day later: 1 % of the procedures corrected (their description, which names the ``offset``, so
    that a procedure chosen again on a later day is changed again), 1 % new (copies of others under new codes,
    without awards yet); ``offset`` chooses which, and ``year`` (of publication) where they are (every year when
    None). The full export keeps every other row; a ``delta`` export holds only the changed and new procedures'
    rows, and every lookup row (docs/store.md). How many procedures of each."""
    import shutil

    from ocds_pipeline.sources.bundles import BY_CONTRACT, BY_PROCEDURE

    _fresh(folder)
    shutil.copytree(source, folder)
    fields, rows = _csv(source / "procedimientos.csv")
    corrected, new_rows = [], []
    every = 100 if year is None else max(1, sum(row["fecha_publicacion"].startswith(year) for row in rows) * 100 // len(rows))
    for number, row in enumerate(r for r in rows if year is None or r["fecha_publicacion"].startswith(year)):
        if number % every == offset % every:
            row["descripcion"] = f"{row['descripcion']} (corregido el día {offset})"
            row["fecha_ultima_modificacion"] = "2026-01-02 12:00:00"
            corrected.append(row)
        elif number % every == (50 + offset) % every:
            new_rows.append({**row, "codigo": f"{row['codigo']}-{offset}", "fecha_ultima_modificacion": "2026-01-02 12:00:00"})
    _write_csv(folder / "procedimientos.csv", fields, (corrected if delta else rows) + new_rows)
    if delta:
        codes = {row["codigo"] for row in corrected}
        contracts = set()
        for table, column in {**BY_PROCEDURE, **BY_CONTRACT}.items():  # contratos comes before its children
            fields, kept = _csv(source / f"{table}.csv")
            kept = [row for row in kept if row[column] in (contracts if table in BY_CONTRACT else codes)]
            contracts |= {row["codigo_contrato"] for row in kept if table == "contratos"}
            _write_csv(folder / f"{table}.csv", fields, kept)
    return len(corrected), len(new_rows)


def bench_daily(sizes: tuple[int, ...] = (10_000,)) -> list[tuple[str, float, float]]:
    """The whole daily job (`run` with a store and a publication: map, store, compile, validate, quality,
    indicators, OC4IDS, every publication format) on a fresh store, then the next day's export on it, with
    the orjson floor on the same releases."""
    rows = []
    for n in sizes:
        source, store, root, out = _generated(n), OUT / f"daily-{n}.sqlite", OUT / f"daily-publication-{n}", OUT / f"daily-run-{n}"
        _fresh(root, out)
        for path in OUT.glob(f"daily-{n}.sqlite*"):
            path.unlink()
        command = [*CLI, "run", "--store", str(store), "--publication", str(root), "--out", str(out)]
        full, full_rss = measure([*command, str(source)])
        releases = json.loads((out / "summary.json").read_text())["releases"]
        rows.append((f"ocds-pipeline run, {n:,} procedures ({releases:,} releases), fresh store, whole publication", full, full_rss))
        floor, floor_rss = measure([sys.executable, "-c", ORJSON_DUMP_FLOOR, str(out / "releases.jsonl")])
        rows.append((f"orjson floor: parse and dump the same {releases:,} releases (the whole run is {full / floor:.0f}× it)",
                     floor, floor_rss))
        changed, added = _next_day(source, OUT / f"daily-next-{n}")
        seconds, rss = measure([*command, str(OUT / f"daily-next-{n}")])
        rows.append((f"the next day on that store: the full export with {changed:,} procedures corrected and {added:,} new "
                     f"({seconds / full:.0%} of the first run)", seconds, rss))
        seconds, rss = measure([*command, str(OUT / f"daily-next-{n}")])
        rows.append((f"the same export again: nothing changed ({seconds / full:.0%} of the first run)", seconds, rss))
        changed, added = _next_day(OUT / f"daily-next-{n}", OUT / f"daily-delta-{n}", offset=25, delta=True)
        seconds, rss = measure([*command, str(OUT / f"daily-delta-{n}")])
        rows.append((f"the day after, from a delta export: {changed:,} other procedures corrected and {added:,} new, "
                     f"with every lookup row ({seconds / full:.0%} of the first run)", seconds, rss))
        _, latest = _csv(source / "procedimientos.csv")
        latest = max(row["fecha_publicacion"][:4] for row in latest)
        changed, added = _next_day(OUT / f"daily-next-{n}", OUT / f"daily-latest-{n}", offset=10, delta=True, year=latest)
        seconds, rss = measure([*command, str(OUT / f"daily-latest-{n}")])
        rows.append((f"another day's delta, its {changed:,} corrected and {added:,} new procedures all published in "
                     f"{latest} ({seconds / full:.0%} of the first run)", seconds, rss))
        changed, added = _next_day(OUT / f"daily-next-{n}", OUT / f"daily-reports-{n}", offset=30, delta=True, year=latest)
        seconds, rss = measure([*command, "--reports-only", str(OUT / f"daily-reports-{n}")])
        rows.append((f"the same again with --reports-only (--out gets the run's reports, not the store's files): "
                     f"{changed:,} corrected and {added:,} new in {latest} ({seconds / full:.0%} of the first run)", seconds, rss))
    return rows


def bench_daily_scale(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[tuple[str, float, float]]:
    """The daily job at a national scale, as SERCOP runs it (`run --reports-only`: the publication gets the
    store's files, --out the run's reports): a first run on a fresh store, then a day's delta export whose
    corrected and new procedures (1 % of all, each) are all published in the latest year."""
    rows = []
    for n in sizes:
        source, store, root, out = _generated(n), OUT / f"daily-{n}.sqlite", OUT / f"daily-publication-{n}", OUT / f"daily-run-{n}"
        _fresh(root, out)
        for path in OUT.glob(f"daily-{n}.sqlite*"):
            path.unlink()
        command = [*CLI, "run", "--store", str(store), "--publication", str(root), "--out", str(out), "--reports-only"]
        full, full_rss = measure([*command, str(source)])
        releases = json.loads((out / "summary.json").read_text())["releases"]
        rows.append((f"ocds-pipeline run --reports-only, {n:,} procedures ({releases:,} releases), fresh store, "
                     "whole publication", full, full_rss))
        _, latest = _csv(source / "procedimientos.csv")
        latest = max(row["fecha_publicacion"][:4] for row in latest)
        changed, added = _next_day(source, OUT / f"daily-latest-{n}", offset=30, delta=True, year=latest)
        seconds, rss = measure([*command, str(OUT / f"daily-latest-{n}")])
        rows.append((f"the next day's delta: {changed:,} procedures corrected and {added:,} new, all published in "
                     f"{latest} ({seconds / full:.1%} of the first run)", seconds, rss))
    return rows


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def bench_site(sizes: tuple[int, ...] = (10_000, 100_000)) -> list[tuple[str, float, float]]:
    """The site alone (bench/site_only.py) next to the alternative of one static HTML file per process
    (bench/static_pages.py), then page load times from file:// (bench/site_pages.py)."""
    rows = []
    for n in sizes:
        store, root = _store(n), OUT / f"publication-{n}"
        if not (root / "index.html").exists():
            _fresh(root)
            measure([*CLI, "publish", "--store", str(store), "--out", str(root)])
        site = OUT / f"site-{n}"
        seconds, rss = measure([sys.executable, str(HERE / "site_only.py"), str(store), str(root), str(site)])
        files, size = _size(site / "site")
        rows.append((f"site alone, {n:,} procedures: {files:,} files, {size / 2**20:,.1f} MiB "
                     f"(process pages rendered in the browser from shards)", seconds, rss))
        static = OUT / f"static-{n}"
        seconds, rss = measure([sys.executable, str(HERE / "static_pages.py"), str(store), str(static)])
        files, size = _size(static)
        rows.append((f"one static HTML page per process instead, {n:,} procedures: {files:,} files, "
                     f"{size / 2**20:,.1f} MiB (process pages only)", seconds, rss))
        pages = subprocess.run([sys.executable, str(HERE / "site_pages.py"), str(root)], capture_output=True, text=True,
                               check=True).stdout
        print(f"\npage load times from file://, {n:,} procedures (bench/site_pages.py):\n{pages}", flush=True)
    return rows


def bench_memory(sizes: tuple[int, ...] = (10_000, 20_000, 50_000, 100_000)) -> list[tuple[str, float, float]]:
    """Peak RSS of each streaming stage as the input grows: map, compile, validate, quality and indicators
    on the same generated procedures at each size (issue 16: memory flat in input size)."""
    rows = []
    for n in sizes:
        mapped, compiled = OUT / f"map-{n}", OUT / f"compiled-{n}"
        stages = {
            "map": [*CLI, "map", str(_generated(n)), "--out", str(mapped)],
            "compile": [*CLI, "compile", str(mapped / "releases.jsonl"), "--out", str(compiled)],
            "validate": [*CLI, "validate", str(mapped / "releases.jsonl"), "--json", str(OUT / f"validate-{n}.json")],
            "quality": [*CLI, "quality", str(compiled / "compiled.jsonl"), "--out", str(OUT / f"quality-{n}")],
            "indicators": [*CLI, "indicators", str(compiled / "compiled.jsonl"), "--by", "year,regime",
                           "--out", str(OUT / f"indicators-{n}.csv")],
        }
        for stage, command in stages.items():
            seconds, rss = measure(command, exit_codes=(0, 1) if stage in ("validate", "quality") else (0,))  # 1: findings
            rows.append((f"{stage}, {n:,} procedures", seconds, rss))
    return rows


def _store_input(n: int) -> Path:
    """The releases of ``n`` processes: the 100,000-procedure mapping, copied ``n / 100,000`` times with
    distinct ocids (as for the million compiled releases)."""
    source = OUT / "map-100000" / "releases.jsonl"
    if not source.exists():
        measure([*CLI, "map", str(_generated(100_000)), "--out", str(source.parent)])
    if n == 100_000:
        return source
    target = OUT / f"store-input-{n}.jsonl"
    if not target.exists():
        with open(target, "wb") as out:
            for copy in range(n // 100_000):
                with open(source, "rb") as handle:
                    for line in handle:
                        out.write(line.replace(b"ocds-5wno2w-", f"ocds-5wno2w-R{copy}-".encode()))
    return target


def _store_day(source: Path, target: Path) -> tuple[int, int]:
    """A day's new releases for a store holding ``source``: 1 % of its processes gain a correcting release
    (a later date, another title) and 1 % new processes (copies of others under new ocids). How many of each."""
    import zlib

    import orjson

    corrected, added = set(), set()
    with open(source, "rb") as handle, open(target, "wb") as out:
        for line in handle:
            release = orjson.loads(line)
            ocid = release["ocid"]
            pick = zlib.crc32(ocid.encode()) % 100
            if pick == 0 and ocid not in corrected:
                corrected.add(ocid)
                tender = release.get("tender") or {}
                out.write(orjson.dumps({**release, "id": f"{release['id']}-correccion", "date": "2026-01-02T12:00:00-05:00",
                                        "tender": {**tender, "title": f"{tender.get('title', '')} (corregido)"}}) + b"\n")
            elif pick == 1:
                added.add(ocid)
                out.write(orjson.dumps({**release, "ocid": f"{ocid}-nuevo"}) + b"\n")
    return len(corrected), len(added)


STORE_LOOKUPS = """
import json, random, sys, time
from sqlalchemy import func, select
from ocds_pipeline.store import Store, tables
from ocds_pipeline.store.search import Filters, Lookups, compiled_page
store = Store(sys.argv[1])
with store.engine.connect() as connection:
    count = connection.execute(select(func.count()).select_from(tables.compiled)).scalar()
    ocids = [connection.execute(select(tables.compiled.c.ocid).order_by(tables.compiled.c.ocid).offset(i).limit(1)).scalar()
             for i in random.Random(1).sample(range(count), 200)]
    buyers = list(connection.execute(select(tables.search_keys.c.key).where(tables.search_keys.c.kind == "buyer")
                                     .distinct().limit(200)).scalars())
lookups = Lookups(store)
start = time.perf_counter()
for ocid in ocids * 5:
    assert lookups.process(ocid) is not None
record = (time.perf_counter() - start) / (len(ocids) * 5)
start = time.perf_counter()
for buyer in buyers:
    assert compiled_page(store, Filters(buyer=buyer), None, 20)
buyer = (time.perf_counter() - start) / len(buyers)
start = time.perf_counter()
for year in ["2016", "2018", "2020", "2022", "2024"] * 20:
    compiled_page(store, Filters(year=year, regime="special"), None, 20)
page = (time.perf_counter() - start) / 100
print(json.dumps({"record": record, "buyer": buyer, "page": page}))
"""


def bench_store(sizes: tuple[int, ...] = (100_000, 1_000_000)) -> list[tuple[str, float, float]]:
    """The store's write paths at scale, SQLite against PostgreSQL in the same run: `ingest` of every
    process's releases (insert, then merge each process and write its compiled release and its row in
    the API's search index), then a day's 1 % more, then the lookups the API makes, on the loaded store."""
    sys.path.insert(0, str(HERE.parent))
    from tests.postgres import Cluster  # the test suite's throwaway cluster (fsync off, as SQLite's synchronous=NORMAL in WAL)

    rows = []
    cluster = Cluster()
    try:
        for n in sizes:
            source, day = _store_input(n), OUT / f"store-day-{n}.jsonl"
            corrected, added = _store_day(source, day)
            sqlite = OUT / f"store-scale-{n}.sqlite"
            for path in OUT.glob(f"{sqlite.name}*"):
                path.unlink()
            for backend, url in (("SQLite", str(sqlite)), ("PostgreSQL", cluster.new_database())):
                full, full_rss = measure([*CLI, "--quiet", "ingest", str(source), "--store", url])
                rows.append((f"{backend}: ingest {n:,} processes into an empty store", full, full_rss))
                seconds, rss = measure([*CLI, "--quiet", "ingest", str(day), "--store", url])
                rows.append((f"{backend}: the next day, {corrected:,} processes corrected and {added:,} new "
                             f"({seconds / full:.1%} of the load)", seconds, rss))
                start = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", STORE_LOOKUPS, url], check=True, capture_output=True, text=True)
                times = json.loads(done.stdout)
                rows.append((f"{backend}: API reads on that store, ms each: a record {times['record'] * 1000:.2f}, "
                             f"a buyer's first page {times['buyer'] * 1000:.2f}, a year and regime's first page "
                             f"{times['page'] * 1000:.2f}", time.perf_counter() - start, 0))
                for path in OUT.glob(f"{sqlite.name}*"):
                    path.unlink()  # a million-process store is ~15 GB: gone before the next one is loaded
    finally:
        cluster.stop()
    return rows


CASES = {"generate": bench_generate, "check": bench_check, "map": bench_map, "compile": bench_compile,
         "indicators": bench_indicators, "indicators-dask": bench_indicators_dask, "validate": bench_validate, "quality": bench_quality,
         "publish": bench_publish, "site": bench_site, "privacy": bench_privacy, "daily": bench_daily,
         "daily-scale": bench_daily_scale,
         "memory": bench_memory, "store": bench_store}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", choices=[*CASES, []], default=list(CASES))
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    print("| case | wall time (s) | peak RSS (MiB) |\n|---|---:|---:|")
    for case in args.cases or CASES:
        for label, seconds, rss in CASES[case]():
            print(f"| {label} | {seconds:.1f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
