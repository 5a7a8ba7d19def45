"""The publication written from the store (docs/publication.md): every kind of file checked with the tool
its users open it with, the manifest against the files, and the publish safe, incremental and repeatable."""

import csv
import gzip
import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import openpyxl
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.faults import ENV
from ocds_pipeline.packaging import extension_urls
from ocds_pipeline.publish.cache import process_year
from ocds_pipeline.privacy import KEY_VARIABLE
from ocds_pipeline.indicators.redflags import RedFlagTallies
from ocds_pipeline.publish import publication
from ocds_pipeline.publish.publication import _Build, publish
from ocds_pipeline.publish.tables import Tables
from ocds_pipeline.publish.versions import PublicationError, Versions
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store
from ocds_pipeline.store.ingest import ingest
from ocds_pipeline.validate.files import validate_file

YEARS = [str(year) for year in range(2019, 2026)]
OCDS_TABLES = ["ocds_procesos", "ocds_partes", "ocds_items", "ocds_oferentes", "ocds_documentos_licitacion",
               "ocds_ofertas", "ocds_ofertas_oferentes", "ocds_adjudicaciones", "ocds_adjudicaciones_proveedores",
               "ocds_documentos_adjudicacion", "ocds_contratos", "ocds_modificaciones", "ocds_pagos",
               "ocds_documentos_contrato"]


@pytest.fixture(scope="module")
def root(daily):
    return daily[0] / "publication"


@pytest.fixture(scope="module")
def compiled(daily):
    """The run's compiled releases (written by the flat publisher), by ocid."""
    lines = (daily[0] / "run" / "compiled.jsonl").read_bytes().splitlines()
    return {release["ocid"]: release for release in map(orjson.loads, lines)}


def manifest(root: Path) -> dict:
    return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))


def jsonl_gz(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]


def small_store(tmp_path, daily, years=("2021", "2022"), config: Config | None = None, url: str | None = None) -> Path:
    """A store of the fixture processes of some years, ingested from a package that declares this
    project's extensions (at ``config``'s base URI); an SQLite file, or the store at ``url``."""
    releases = [orjson.loads(line) for line in (daily[0] / "run" / "releases.jsonl").read_bytes().splitlines()]
    firsts = {}
    for release in releases:
        firsts[release["ocid"]] = min(firsts.get(release["ocid"], release["date"]), release["date"])
    kept = [r for r in releases if process_year(firsts[r["ocid"]]) in years]
    package = tmp_path / "part.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/part.json", "version": "1.1",
                                      "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                      "publishedDate": "2026-01-08T00:00:00-05:00",
                                      "extensions": extension_urls(config or Config(), SchemaResolver.from_env()),
                                      "releases": kept}))
    store_path = tmp_path / "small.sqlite"
    store = Store(url or str(store_path))
    ingest([package], store)
    store.close()
    return store_path


def publish_store(store_path: Path, root: Path, config: Config | None = None):
    store = Store(str(store_path))
    try:
        return publish(store, root, config or Config(), SchemaResolver.from_env())
    finally:
        store.close()


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- what is published -------------------------------------------------------------------------
def test_the_publication_has_every_kind_of_file(daily, root):
    published = daily[1].published
    assert root.is_symlink() and published.version == root.resolve()
    for year in YEARS:
        for name in ("compiled.jsonl.gz", "releases.json.gz", "records.json.gz"):
            assert (root / "ocds" / year / name).is_file()
        assert (root / "csv" / year / "contratos.csv").is_file()
        assert sorted(p.stem for p in (root / "csv" / year / "ocds").iterdir()) == sorted(OCDS_TABLES)
        assert (root / "xlsx" / f"{year}.xlsx").is_file()
    for name in ["LICENSE", "policy.es.md", "policy.en.md", "dictionary.csv", "docs/mapping.md", "docs/indicators.md",
                 "csv/release-schema.es.json", "indicators/indicators.csv", "indicators/indicators.json",
                 "indicators/suppliers.csv", "oc4ids/projects.json", "oc4ids/projects.csv", "quality/quality.json",
                 "quality/quality.html", "quality/quality.es.html", "changes/run-000001.jsonl.gz",
                 "ocds/full/compiled.jsonl.gz", "extensions/procurement_regime/extension.json",
                 "extensions/party_scale/release-schema.json"]:
        assert (root / name).is_file(), name
    assert not (root / "ocds" / "undated").exists()  # every fixture process has a date
    assert (published.processes, published.releases, published.projects) == (240, 1460, 3)
    assert published.notes == [] and published.merge_errors == {}
    summary = json.loads((daily[0] / "run" / "summary.json").read_text())["publication"]
    assert summary["version"] == "000001" and summary["processes"] == 240 and summary["carried"] == 0
    assert len(summary["changed"]) == len(manifest(root)["resources"])


def test_each_process_is_in_the_year_of_its_first_release_once(root, compiled):
    by_year = {year: jsonl_gz(root / "ocds" / year / "compiled.jsonl.gz") for year in YEARS}
    seen = [release["ocid"] for releases in by_year.values() for release in releases]
    assert sorted(seen) == sorted(compiled)  # every process once, none lost
    releases = {year: json.loads(gzip.decompress((root / "ocds" / year / "releases.json.gz").read_bytes()))
                for year in YEARS}
    for year, package in releases.items():
        firsts = {}
        for release in package["releases"]:
            firsts[release["ocid"]] = min(firsts.get(release["ocid"], release["date"]), release["date"])
        assert {process_year(date) for date in firsts.values()} == {year}
        assert set(firsts) == {release["ocid"] for release in by_year[year]}
        assert all(release == compiled[release["ocid"]] for release in by_year[year])
    assert jsonl_gz(root / "ocds" / "full" / "compiled.jsonl.gz") == [compiled[ocid] for ocid in sorted(compiled)]


def test_release_and_record_packages_validate_and_link(root):
    resolver = SchemaResolver.from_env()
    for name in ("releases", "records"):
        report = validate_file(root / "ocds" / "2021" / f"{name}.json.gz", resolver, base_uri=Config().base_uri,
                               workers=1)
        assert report.releases > 0 and report.groups == {}, (name, list(report.groups)[:3])
    records = json.loads(gzip.decompress((root / "ocds" / "2021" / "records.json.gz").read_bytes()))
    releases_url = f"{Config().base_uri}ocds/2021/releases.json.gz"
    assert records["packages"] == [releases_url]
    release_ids = {r["id"] for r in json.loads(gzip.decompress((root / "ocds/2021/releases.json.gz").read_bytes()))["releases"]}
    linked = {link["url"] for record in records["records"] for link in record["releases"]}
    assert linked == {f"{releases_url}#{rid}" for rid in release_ids}
    assert records["license"] == "https://creativecommons.org/licenses/by/3.0/ec/"
    assert records["publicationPolicy"] == f"{Config().base_uri}policy.es.md"


def test_gzip_files_carry_no_time_or_name(root):
    for path in root.rglob("*.gz"):
        header = path.read_bytes()[:10]
        assert header[3] & 0x08 == 0 and header[4:8] == b"\0\0\0\0", path  # no FNAME flag, mtime 0


# -- spreadsheets -------------------------------------------------------------------------------
def test_contratos_has_one_row_per_contract(root, compiled):
    frames = [pd.read_csv(root / "csv" / year / "contratos.csv", dtype=str, keep_default_na=False) for year in YEARS]
    table = pd.concat(frames)
    expected = sorted((release["ocid"], contract["id"]) for release in compiled.values()
                      for contract in release.get("contracts", []))
    assert sorted(zip(table["OCID"], table["ID del contrato"])) == expected
    # RUCs stay 13-digit text (leading zeros kept), amounts are numbers, codes are in Spanish.
    assert table["RUC de la entidad"].str.fullmatch(r"\d{13}").all()
    assert table["RUC de la entidad"].str.startswith("0").any()
    assert set(table["Régimen"]) <= {"Régimen común", "Régimen especial"}
    one = table[table["ID del contrato"] == "CTR-005992ECFE"].iloc[0]
    release = compiled[one["OCID"]]
    contract = next(c for c in release["contracts"] if c["id"] == "CTR-005992ECFE")
    assert float(one["Monto del contrato"]) == contract["value"]["amount"]
    assert one["Enlace al proceso"].endswith(f"ocid={one['OCID']}")


def test_ocds_tables_open_in_pandas_and_unflatten_back_to_the_same_data(root, tmp_path):
    """flatten-tool turns a year's tables back into JSON whose tables are the same rows."""
    year = "2021"
    schema = patched_release_schema(SchemaResolver.from_env(), base_uri=Config().base_uri)
    tables = Tables(schema)
    procesos = pd.read_csv(root / "csv" / year / "ocds" / "ocds_procesos.csv", dtype=str)
    assert list(procesos.columns) == [column.title_es for column in tables.ocds[0].columns]
    out = tmp_path / "unflattened.json"
    subprocess.run([str(Path(sys.executable).parent / "flatten-tool"), "unflatten", "-f", "csv", "--convert-titles", "--schema",
                    str(root / "csv" / "release-schema.es.json"), "--root-id", "ocid", "--root-list-path", "releases",
                    "-o", str(out), str(root / "csv" / year / "ocds")], check=True, capture_output=True)
    back = json.loads(out.read_text(encoding="utf-8"))["releases"]
    original = jsonl_gz(root / "ocds" / year / "compiled.jsonl.gz")
    assert len(back) == len(original)

    def rows(releases):
        return {table.name: sorted((json.dumps(row, default=str) for release in releases for row in table.rows(release)))
                for table in tables.ocds}

    assert rows(back) == rows(original)


def test_workbooks_open_with_the_same_rows_as_the_csv(root):
    for year in ("2019", "2024"):
        book = openpyxl.load_workbook(root / "xlsx" / f"{year}.xlsx", read_only=True)
        assert book.sheetnames == ["contratos", *OCDS_TABLES, "diccionario"]
        for name in ["contratos", *OCDS_TABLES]:
            folder = root / "csv" / year if name == "contratos" else root / "csv" / year / "ocds"
            with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
                expected = list(csv.reader(handle))
            sheet = [["" if v is None else str(v) for v in row] for row in book[name].iter_rows(values_only=True)]
            assert len(sheet) == len(expected), (year, name)
            assert sheet[0] == expected[0]
        rucs = [row[11] for row in book["contratos"].iter_rows(min_row=2, values_only=True)]
        assert rucs and all(isinstance(ruc, str) and len(ruc) == 13 for ruc in rucs)


def test_dictionary_describes_every_csv_column(root):
    dictionary = pd.read_csv(root / "dictionary.csv", dtype=str, keep_default_na=False)
    described = set(zip(dictionary["file"], dictionary["column"]))
    for path in (root / "csv" / "2020").rglob("*.csv"):
        relative = path.relative_to(root / "csv" / "2020").as_posix()
        header = pd.read_csv(path, nrows=0).columns
        assert {(relative, column) for column in header} <= described, relative
    assert (dictionary["title_en"] != "").all() and (dictionary["description_es"] != "").all()


# -- statistics, OC4IDS, documents --------------------------------------------------------------
def test_indicators_and_supplier_ranking(root, compiled):
    indicators = pd.read_csv(root / "indicators" / "indicators.csv")
    assert set(indicators["grouping"]) == {"all", "year", "month", "year+regime", "year+province",
                                           "year+procedure_type", "year+buyer"}
    overall = indicators[(indicators["grouping"] == "all")].set_index("indicator")
    cancelled = sum(1 for r in compiled.values() if r.get("tender", {}).get("status") == "cancelled")
    assert overall.loc["PROC", "value"] == len(compiled) - cancelled
    share = overall.loc["RE-P"]
    assert share["percent"] == round(100 * share["numerator"] / share["denominator"], 1)
    assert json.loads((root / "indicators" / "indicators.json").read_text())[0]["indicator"] == indicators.iloc[0]["indicator"]
    ranking = pd.read_csv(root / "indicators" / "suppliers.csv", dtype={"ruc": str})
    first = ranking[ranking["year"] == ranking["year"].min()].iloc[0]
    assert first["rank"] == 1 and first["awarded_value"] == ranking[ranking["year"] == first["year"]]["awarded_value"].max()
    assert first["ruc"] and len(first["ruc"]) == 13 and isinstance(first["supplier"], str)


def test_oc4ids_projects_link_to_the_yearly_release_packages(root):
    package = json.loads((root / "oc4ids" / "projects.json").read_text())
    assert len(package["projects"]) == 3 and package["license"] == Config().license
    for project in package["projects"]:
        for process in project["contractingProcesses"]:
            for link in process["releases"]:
                path, _, release_id = link["url"][len(Config().base_uri):].partition("#")
                released = json.loads(gzip.decompress((root / path).read_bytes()))["releases"]
                assert release_id in {r["id"] for r in released}


def test_oc4ids_projects_gathered_a_few_at_a_time_are_the_projects_gathered_at_once(daily, root, tmp_path, monkeypatch):
    """The publication gathers, writes and lets go a batch of projects at a time (their processes read from the
    store by project): one project a batch gives the same files as all of them in one."""
    from ocds_pipeline.publish import publication

    monkeypatch.setattr(publication, "_PROJECT_BATCH", 1)
    publish_store(daily[0] / "store.sqlite", tmp_path / "one-by-one")
    for name in ("projects.json", "projects.csv"):
        assert (tmp_path / "one-by-one" / "oc4ids" / name).read_bytes() == (root / "oc4ids" / name).read_bytes()


def test_licence_and_policy_state_the_terms_and_the_coverage(root):
    assert "CC BY 3.0 EC" in (root / "LICENSE").read_text() and "SERCOP" in (root / "LICENSE").read_text()
    spanish, english = (root / "policy.es.md").read_text(), (root / "policy.en.md").read_text()
    assert "240 procesos" in spanish and "240 processes" in english
    assert f"{Config().base_uri}extensions/procurement_regime/extension.json" in english
    assert "$" not in spanish.replace("US$", "")  # every placeholder was filled


def test_own_extensions_are_served_where_the_packages_say(tmp_path, daily, serve):
    """With the publication served at its base URI, every extension URL its packages declare resolves."""
    import urllib.request

    base = serve(tmp_path) + "/pub/"  # a local server on 127.0.0.1: the URLs opened below never leave this machine
    store_path = small_store(tmp_path, daily, years=("2023",), config=Config(base_uri=base))
    root = tmp_path / "pub"
    publish_store(store_path, root, Config(base_uri=base))
    package = json.loads(gzip.decompress((root / "ocds" / "2023" / "releases.json.gz").read_bytes()))
    own = [url for url in package["extensions"] if url.startswith(base)]
    assert len(own) == 3  # procurement_regime, party_scale, party_type
    for url in own:
        extension = json.loads(urllib.request.urlopen(url).read())
        schema = json.loads(urllib.request.urlopen(url.rsplit("/", 1)[0] + "/release-schema.json").read())
        assert extension["name"]["en"] and schema["definitions"]


# -- the manifest -------------------------------------------------------------------------------
def test_every_file_matches_the_manifest_and_frictionless_validates_it(root):
    from frictionless import validate

    listed = manifest(root)["resources"]
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} - {"datapackage.json"}
    assert {entry["path"] for entry in listed} == on_disk
    for entry in listed:
        data = (root / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data) and entry["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    year = next(e for e in listed if e["path"] == "ocds/2021/compiled.jsonl.gz")
    assert (year["processes"], year["temporal"]["start"][:4]) == (len(jsonl_gz(root / year["path"])), "2021")
    contratos = next(e for e in listed if e["path"] == "csv/2021/contratos.csv")
    assert contratos["rows"] == len(pd.read_csv(root / "csv/2021/contratos.csv"))
    report = validate(str(root / "datapackage.json"))
    assert report.valid, [(t.name, [e.message for e in t.errors[:2]]) for t in report.tasks if not t.valid]


def test_frictionless_catches_a_file_that_does_not_match(tmp_path, root):
    """The check above can fail: one changed byte in a carried file, or a wrong type in a CSV."""
    from frictionless import validate
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(root.resolve(), copy)
    (copy / "LICENSE").write_text((copy / "LICENSE").read_text() + " ")
    table = copy / "csv/2021/contratos.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",42738.13,", ",cuarenta,", 1), encoding="utf-8")
    failed = {t.name for t in validate(str(copy / "datapackage.json")).tasks if not t.valid}
    assert failed == {"license", "csv-2021-contratos.csv"}


# -- safe, incremental, repeatable ----------------------------------------------------------------
def test_the_same_store_publishes_the_same_bytes(tmp_path, daily):
    store_path = small_store(tmp_path, daily)
    publish_store(store_path, tmp_path / "a")
    publish_store(store_path, tmp_path / "b")
    assert files(tmp_path / "a") == files(tmp_path / "b")
    again = publish_store(store_path, tmp_path / "a")  # republished in place: everything linked or equal
    assert again.changed == [] and files(tmp_path / "a") == files(tmp_path / "b")


def correct_a_process(tmp_path: Path, store_path: Path, year: str, ocid: str | None = None, **tender) -> tuple[str, dict]:
    """Ingest a new release of one process of ``year`` (the first, or ``ocid``): its tender retitled, and
    ``tender``'s fields; its ocid and the release."""
    store = Store(str(store_path))
    ocid = ocid or next(iter(store.compiled_bodies([o for o, y, *_ in store.compiled_index() if y == year])))
    body = orjson.loads(store.bodies([ocid])[ocid][-1])
    store.close()
    update = {**body, "id": body["id"] + "-fix", "date": "2026-02-01T00:00:00-05:00", "tag": ["tenderUpdate"],
              "tender": {**body.get("tender", {}), "title": "Título corregido", **tender}}
    package = tmp_path / "update.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/u.json", "version": "1.1",
                                      "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                      "publishedDate": "2026-02-01T00:00:00-05:00", "releases": [update]}))
    store = Store(str(store_path))
    ingest([package], store)
    store.close()
    return ocid, update


STATISTICS_FILES = ("indicators/", "quality/", "oc4ids/")


def test_statistics_from_kept_years_are_those_of_a_fresh_publish(tmp_path, daily):
    """A publish that reads only the changed year and takes the others from its state writes the
    statistics a publish from nothing writes; a damaged entry is made again, not trusted."""
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    publish_store(store_path, root)
    before = files(root)["indicators/indicators.csv"]
    correct_a_process(tmp_path, store_path, "2022", status="cancelled")  # out of every indicator
    (tmp_path / ".pub.versions/state/statistics/2021.pickle").write_bytes(b"not a pickle")
    publish_store(store_path, root)
    correct_a_process(tmp_path, store_path, "2021", status="cancelled")
    publish_store(store_path, root)  # 2022 from the state, 2021 read again
    assert files(root)["indicators/indicators.csv"] != before
    fresh = tmp_path / "fresh"
    publish_store(store_path, fresh)
    kept, made = files(root), files(fresh)
    compared = [path for path in made if path.startswith(STATISTICS_FILES)]
    assert {"indicators/indicators.csv", "indicators/suppliers.csv", "quality/quality.json", "oc4ids/projects.json"} <= set(compared)
    assert {path: kept[path] for path in compared} == {path: made[path] for path in compared}


def test_the_statistics_hold_neither_workers_nor_facts_longer_than_needed(tmp_path, daily, monkeypatch):
    """Each worker holds a few hundred MB at a national scale, and so do the combined facts: no worker idles
    while the publish process combines the years (its own peak), and the facts are let go before the OC4IDS
    projects are collected."""
    import gc
    import multiprocessing
    import weakref

    from ocds_pipeline.publish import publication

    store_path = small_store(tmp_path, daily)
    alive, combined, held = [], [], []

    def combine(parts):
        alive.append(len(multiprocessing.active_children()))
        tables = publication_combine(parts)
        combined.append(weakref.ref(tables.processes))
        return tables

    def projects(build, *args):
        gc.collect()
        held.append(combined[0]() is not None)
        return publication_projects(build, *args)

    publication_combine, publication_projects = publication.combine, publication._Build._projects
    monkeypatch.setattr(publication, "combine", combine)
    monkeypatch.setattr(publication._Build, "_projects", projects)
    store = Store(str(store_path))
    try:
        publish(store, tmp_path / "pub", Config(), SchemaResolver.from_env(), workers=2)
    finally:
        store.close()
    assert alive == [0] and held == [False]


def entry_values(path: Path) -> list:
    """The values of a year cache entry: each a pickle after its length (8 bytes, little-endian)."""
    data, values = path.read_bytes(), []
    while data:
        size = int.from_bytes(data[:8], "little")
        values.append(pickle.loads(data[8:8 + size]))
        data = data[8 + size:]
    return values


def test_two_workers_publish_what_one_writes(tmp_path, daily, store_url):
    """The years' files and statistics made in two forked workers (each over its own connections) give
    the same publication, byte for byte, as one process; the parent's connections still work after."""
    small_store(tmp_path, daily, url=store_url)
    store = Store(store_url)
    try:
        one = publish(store, tmp_path / "one", Config(), SchemaResolver.from_env(), workers=1)
        two = publish(store, tmp_path / "two", Config(), SchemaResolver.from_env(), workers=2)
        assert store.count()["processes"] == one.processes  # the parent's connections still work
    finally:
        store.close()
    entries = sorted((tmp_path / ".two.versions/state/statistics").glob("*.pickle"))  # beside the parts per process
    assert len(entries) == 2
    for entry in entries:  # the workers kept each year's facts apart, after the rest: the publish process needs no year's
        key, counted, facts, flags = entry_values(entry)
        assert counted.facts is None and len(facts.processes) > 0 and counted.quality is not None
        assert counted.flags is None and flags.tallies  # the red flags' tallies too, for the site
    assert (two.processes, two.releases, two.written, two.changed, two.notes) == \
        (one.processes, one.releases, one.written, one.changed, one.notes)
    assert two.processes > 0 and {"ocds/2021/releases.json.gz", "csv/2022/contratos.csv"} <= set(two.written)
    assert files(tmp_path / "two") == files(tmp_path / "one")


def test_a_day_that_changes_one_year_keeps_both_workers_busy(tmp_path, daily, monkeypatch):
    """A day's delta changes one year: its OCDS files and its spreadsheets are written in two workers, and its
    statistics counted and its site pages written in the same pool, not one after the other in one process. The publication is the one a
    single process writes, byte for byte."""
    store_path = small_store(tmp_path, daily)
    store = Store(str(store_path))
    try:
        for name, workers in (("one", 1), ("two", 2)):
            publish(store, tmp_path / name, Config(), SchemaResolver.from_env(), workers=workers)
    finally:
        store.close()
    correct_a_process(tmp_path, store_path, "2022")
    pools, in_workers = [], publication.forked.in_workers

    def recorded(function, tasks, workers):
        pools.append((function.__name__, list(tasks)))
        return in_workers(function, tasks, workers)

    monkeypatch.setattr(publication.forked, "in_workers", recorded)
    store = Store(str(store_path))
    try:
        two = publish(store, tmp_path / "two", Config(), SchemaResolver.from_env(), workers=2)
        pooled = list(pools)
        one = publish(store, tmp_path / "one", Config(), SchemaResolver.from_env(), workers=1)
    finally:
        store.close()
    # One pool, and nothing left for the statistics to count nor for the site to write afterwards.
    assert pooled == [("_year_work", [("files", "2022", ("ocds",)), ("files", "2022", ("sheets",)),
                                      ("statistics", "2022", ()), ("site", "2022", ())])]
    assert "xlsx/2022.xlsx" in two.changed and "ocds/2022/releases.json.gz" in two.changed
    assert (two.written, two.changed, two.carried) == (one.written, one.changed, one.carried)
    assert files(tmp_path / "two") == files(tmp_path / "one")


def _flagged_person(tmp_path) -> Path:
    """A package of one process whose only valid bid, the winner's, is a natural person's, the other bid being
    disqualified: cardinal flags the process and the person (R035)."""
    from tests.privacy.test_outputs import COMPANY, PERSON, organisation

    buyer = organisation("1760001550001", "GAD Municipal de Quito", ["buyer", "procuringEntity"])
    person, company = organisation(PERSON, "PÉREZ LÓPEZ MARÍA JOSÉ", ["tenderer", "supplier"]), \
        organisation(COMPANY, "Constructora Andina S.A.", ["tenderer"])
    bid = lambda party, amount, status: {"id": f"{party['id']}-bid", "status": status,  # noqa: E731
                                         "tenderers": [{"id": party["id"], "name": party["name"]}],
                                         "value": {"amount": amount, "currency": "USD"}}
    ocid = "ocds-5wno2w-FLAG-2022-001"
    release = {"ocid": ocid, "id": f"{ocid}-award", "date": "2022-05-04T10:00:00-05:00", "tag": ["award"],
               "initiationType": "tender", "parties": [buyer, person, company],
               "buyer": {"id": buyer["id"], "name": buyer["name"]},
               "tender": {"id": "FLAG-2022-001", "status": "complete", "procurementMethod": "open"},
               "bids": {"details": [bid(person, 100.0, "valid"), bid(company, 90.0, "disqualified")]},
               "awards": [{"id": "1", "status": "active", "suppliers": [{"id": person["id"], "name": person["name"]}],
                           "value": {"amount": 100.0, "currency": "USD"}}]}
    # The lowest ocid, in 2023, reads its money in euros: cardinal's first currency, so the years counted in
    # dollars before it was known are read again.
    euros = {"ocid": "ocds-5wno2w-AAAA-2023-001", "id": "ocds-5wno2w-AAAA-2023-001-tender", "tag": ["tender"],
             "date": "2023-02-01T10:00:00-05:00", "initiationType": "tender", "parties": [buyer],
             "buyer": {"id": buyer["id"], "name": buyer["name"]},
             "tender": {"id": "AAAA-2023-001", "status": "active", "value": {"amount": 500.0, "currency": "EUR"}}}
    package = tmp_path / "flagged.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/flagged.json", "version": "1.1",
                                      "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                      "publishedDate": "2026-01-08T00:00:00-05:00",
                                      "extensions": extension_urls(Config(), SchemaResolver.from_env()),
                                      "releases": [release, euros]}))
    return package


def test_the_sites_red_flags_tallied_with_the_statistics_are_those_of_its_own_pass(tmp_path, daily, monkeypatch):
    """The statistics' workers tally the red flags of what the site shows (natural persons' RUCs masked here), a
    year at a time, so that the site does not read every process for them: its files are those it writes when
    it reads every process for them itself."""
    monkeypatch.setenv(KEY_VARIABLE, "clave-de-prueba-del-sitio")
    config = Config(privacy={"site": {"identifier": "mask"}})
    store_path = small_store(tmp_path, daily, years=("2021", "2022", "2023"))
    store = Store(str(store_path))
    ingest([_flagged_person(tmp_path)], store)
    store.close()
    tallied, read_again = [], []

    class Tallies(RedFlagTallies):
        def __init__(self, settings, start=None):
            super().__init__(settings, start)
            read_again.append(start)

    monkeypatch.setattr(publication, "RedFlagTallies", Tallies)
    from_statistics = _Build._red_flags
    monkeypatch.setattr(_Build, "_red_flags", lambda self: tallied.append(from_statistics(self)) or tallied[-1])
    publish_store(store_path, tmp_path / "tallied", config)
    monkeypatch.setattr(_Build, "_red_flags", lambda self: None)
    publish_store(store_path, tmp_path / "read", config)
    flags = tallied[0]
    assert read_again == [("ocds-5wno2w-AAAA-2023-001", "EUR")] * 2  # 2021 and 2022 were counted in dollars
    assert flags["OCID"]["ocds-5wno2w-FLAG-2022-001"] == {"R035": 1.0}  # its bids in dollars: no R036 in euros
    flagged_people = [key for key, codes in flags["Tenderer"].items() if "R035" in codes]
    assert len(flagged_people) == 1 and flagged_people[0].startswith("PN-")  # as the site shows the person
    site = lambda root: {path: data for path, data in files(root).items() if path.startswith("site/")}  # noqa: E731
    assert site(tmp_path / "tallied") == site(tmp_path / "read")


def test_a_carried_years_site_part_that_cannot_be_read_is_written_again_the_same(tmp_path, daily):
    """The site reads a carried year's outline first and its whole part when it comes to it: should the part have
    gone bad in between (here: cut short), the year's pages are written again, the same bytes as linking them."""
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    publish_store(store_path, root)
    entry = tmp_path / ".pub.versions/state/site/2021.pickle"
    entry.write_bytes(entry.read_bytes()[:-200])
    correct_a_process(tmp_path, store_path, "2022")
    result = publish_store(store_path, root)
    assert len(entry_values(entry)) == 3  # made again: key, outline, part
    assert {p for p in result.carried if p.startswith("site/data/p/2021-")}  # linked first, then written over
    fresh = tmp_path / "fresh"
    publish_store(store_path, fresh)
    kept, made = files(root), files(fresh)
    assert kept.keys() == made.keys()
    assert [path for path in made if kept[path] != made[path] and path not in ("datapackage.json", "site/data/downloads.js")] == []


def test_a_daily_run_rewrites_only_the_years_that_changed(tmp_path, daily):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    publish_store(store_path, root)
    before = manifest(root)
    inode = (root / "ocds/2021/releases.json.gz").stat().st_ino
    # A new release of one 2022 process: only 2022 (and what covers every year) is written again.
    ocid, update = correct_a_process(tmp_path, store_path, "2022")
    kept = tmp_path / ".pub.versions/state/statistics"
    made = {path.name: path.stat().st_mtime_ns for path in kept.iterdir()}
    result = publish_store(store_path, root)
    after = manifest(root)
    assert (root / "ocds/2021/releases.json.gz").stat().st_ino == inode  # linked, not rewritten
    # The statistics read again the year that changed, and only it (its entry, and its parts per process).
    assert sorted(name for name, made_ns in made.items() if (kept / name).stat().st_mtime_ns != made_ns) == \
        ["2022.pickle", "2022.sqlite"]
    changed = set(result.changed)
    assert {p for p in changed if p.startswith(("ocds/", "csv/", "xlsx/"))} >= {
        "ocds/2022/compiled.jsonl.gz", "ocds/2022/releases.json.gz", "ocds/2022/records.json.gz",
        "ocds/full/compiled.jsonl.gz", "ocds/full/releases.json.gz", "ocds/full/records.json.gz",
        "csv/2022/ocds/ocds_procesos.csv", "xlsx/2022.xlsx"}
    # Nothing of 2021 is written again, but for the red flags beside its site pages, which depend on every process.
    assert {p for p in changed | set(result.written) if "2021" in p} == \
        {e["path"] for e in before["resources"] if e["path"].startswith("site/data/pf/2021-")}
    assert {p for p in result.carried if "2021" in p} == \
        {e["path"] for e in before["resources"] if "2021" in e["path"] and not e["path"].startswith("site/data/pf/")}
    assert {p for p in result.carried if p.startswith(("site/data/p/", "site/data/search/"))} == \
        {e["path"] for e in before["resources"] if e["path"].startswith(("site/data/p/20", "site/data/search/"))
         and "2022" not in e["path"]}
    fresh = tmp_path / "fresh"
    publish_store(store_path, fresh)
    kept, made = files(root), files(fresh)
    assert kept.keys() == made.keys()
    assert [path for path in made if kept[path] != made[path] and path not in ("datapackage.json", "site/data/downloads.js")] == []
    assert "changes/run-000002.jsonl.gz" in changed and "changes/run-000001.jsonl.gz" in result.carried
    runs = {e["path"]: e["updated_in_run"] for e in after["resources"]}
    old = {e["path"]: e["updated_in_run"] for e in before["resources"]}
    assert runs["ocds/2021/releases.json.gz"] == old["ocds/2021/releases.json.gz"] == 1
    assert runs["ocds/2022/releases.json.gz"] == 2
    assert [r["tender"]["title"] for r in jsonl_gz(root / "ocds/2022/compiled.jsonl.gz") if r["ocid"] == ocid] == \
        ["Título corregido"]
    assert jsonl_gz(root / "changes/run-000002.jsonl.gz") == [update]
    # The previous version is kept for downloads in progress; older ones are removed.
    # and beside them, the statistics' part of each year (docs/publication.md, "Daily publishes")
    assert sorted(p.name for p in (tmp_path / ".pub.versions").iterdir()) == ["000001", "000002", "state"]


def _publish_command(store_path, root, kill_at=None):
    env = {**os.environ, ENV: kill_at} if kill_at else dict(os.environ)
    return subprocess.run([sys.executable, "-m", "ocds_pipeline.cli", "publish", "--store", str(store_path),
                           "--out", str(root), "--workers", "1"], env=env, capture_output=True, text=True)


@pytest.mark.parametrize("point", ["file.writing:40", "file.after_rename:30", "publication.before_swap:1"])
def test_an_interrupted_publish_leaves_the_previous_publication_whole(tmp_path, daily, point):
    store_path = small_store(tmp_path, daily)
    root = tmp_path / "pub"
    first = _publish_command(store_path, root)
    assert first.returncode == 0, first.stderr
    coverage = manifest(root)["coverage"]
    projects = next(e for e in manifest(root)["resources"] if e["path"] == "oc4ids/projects.json")["projects"]
    assert first.stdout == (f"published {coverage['releases']:,} releases of {coverage['processes']:,} processes and "
                            f"{projects} projects to {root} (version 000001): "
                            f"{len(manifest(root)['resources'])} files changed, 0 unchanged files linked\n"
                            f"  spreadsheets: the rows of 0 processes written as kept, {coverage['processes']} encoded anew\n"
                            f"  statistics: the parts of 0 processes taken as kept, {coverage['processes']} made anew\n"
                            f"site: {root / 'index.html'}\n")
    assert (root / "index.html").is_file()
    assert first.stderr.splitlines()[0].startswith("  publish: 38 of ")  # the first year, of every process
    assert "processes published (per-year files)" in first.stderr.splitlines()[0]
    previous = files(root)
    store = Store(str(store_path))  # new data, so the next publish has something to write
    ingest([_extra_release(tmp_path, store)], store)
    store.close()
    killed = _publish_command(store_path, root, kill_at=point)
    assert killed.returncode == -9, killed.stderr
    assert files(root) == previous  # the link still points to the whole previous version
    for entry in manifest(root)["resources"]:
        assert "sha256:" + hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest() == entry["hash"]
    assert _publish_command(store_path, root).returncode == 0
    publish_store(store_path, tmp_path / "uninterrupted")
    resumed, uninterrupted = files(root), files(tmp_path / "uninterrupted")
    assert resumed.keys() == uninterrupted.keys()
    assert {k: v for k, v in resumed.items() if k != "datapackage.json"} == \
        {k: v for k, v in uninterrupted.items() if k != "datapackage.json"}
    # The manifests differ only in the history they record: when each file last changed.
    for name in (root, tmp_path / "uninterrupted"):
        for entry in (document := manifest(name))["resources"]:
            del entry["updated_in_run"]
        (tmp_path / f"{name.name}.json").write_text(json.dumps(document))
    assert (tmp_path / "pub.json").read_text() == (tmp_path / "uninterrupted.json").read_text()
    assert not list((tmp_path / ".pub.versions").glob("*.partial"))


def _extra_release(tmp_path, store) -> Path:
    ocid, *_ = next(iter(store.compiled_index()))
    body = orjson.loads(store.bodies([ocid])[ocid][-1])
    package = tmp_path / "extra.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/e.json", "version": "1.1",
                                      "publisher": {"name": "Servicio Nacional de Contratación Pública (SERCOP)"},
                                      "publishedDate": "2026-03-01T00:00:00-05:00",
                                      "releases": [{**body, "id": body["id"] + "-x", "date": "2026-03-01T00:00:00-05:00"}]}))
    return package


def test_a_folder_that_is_not_a_publication_is_refused(tmp_path, daily):
    store_path = small_store(tmp_path, daily)
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / "notes.txt").write_text("mine")
    with pytest.raises(PublicationError, match="is not a publication written by ocds-pipeline"):
        publish_store(store_path, tmp_path / "pub")
    assert (tmp_path / "pub" / "notes.txt").read_text() == "mine"



def test_a_second_writer_of_the_publication_folder_is_refused_whatever_store_it_reads(tmp_path, daily):
    """The store's lock covers one store; two stores publishing into one folder need the folder's own."""
    store_path = small_store(tmp_path, daily, years=("2023",))
    root = tmp_path / "pub"
    with Versions(root).lock("publish"):  # as another publish, from another store, holds it
        with pytest.raises(PublicationError, match=r"being written by another command \(ocds-pipeline publish, pid"):
            publish_store(store_path, root)
        assert not root.exists()
    assert publish_store(store_path, root).processes > 0  # once it is free
    with Versions(root).lock("publish"):
        refused = CliRunner().invoke(main, ["publish", "--store", str(store_path), "--out", str(root)])
    assert refused.exit_code == 2 and "error: the publication" in refused.output and "Traceback" not in refused.output

# -- limits -------------------------------------------------------------------------------------
def test_large_years_split_by_months_and_large_sheets_are_said_so(tmp_path, daily):
    store_path = small_store(tmp_path, daily, years=("2021",))
    root = tmp_path / "pub"
    result = publish_store(store_path, root, Config(max_file_bytes=60_000, xlsx_max_rows=40))
    parts = sorted(p.name for p in (root / "ocds" / "2021").glob("compiled*"))
    assert len(parts) > 1 and all(name.startswith("compiled-2021-") for name in parts)
    months = [name[len("compiled-"):-len(".jsonl.gz")].split("_") for name in parts]
    assert all(a <= b for a, b in months) and all(months[i][1] < months[i + 1][0] for i in range(len(months) - 1))
    together = [r for name in parts for r in jsonl_gz(root / "ocds" / "2021" / name)]
    assert len(together) == len({r["ocid"] for r in together}) == result.processes
    assert not (root / "ocds" / "full").exists() and not (root / "xlsx" / "2021.xlsx").exists()
    notes = manifest(root)["notes"]
    assert any(note.startswith("ocds/full/ is not published") for note in notes)
    assert any(note.startswith("xlsx/2021.xlsx is not published: ") and "ocds_partes" in note for note in notes)


def test_a_month_part_is_written_again_only_when_its_processes_change(tmp_path, daily):
    """A large year comes in month parts; a change in the last part leaves the others linked, and the
    publication is the one a publish from nothing writes."""
    config = Config(max_file_bytes=60_000)
    store_path = small_store(tmp_path, daily, years=("2021",))
    root = tmp_path / "pub"
    publish_store(store_path, root, config)
    parts = sorted(p.name for p in (root / "ocds/2021").glob("compiled-*"))
    assert len(parts) > 2
    inodes = {name: (root / "ocds/2021" / name).stat().st_ino for name in parts}
    last = parts[-1][len("compiled-"):-len(".jsonl.gz")].split("_")
    store = Store(str(store_path))
    ocid = next(o for o, _, first, *_ in store.compiled_index(year="2021") if last[0] <= first[:7] <= last[1])
    store.close()
    correct_a_process(tmp_path, store_path, "2021", ocid=ocid)
    result = publish_store(store_path, root, config)
    assert sorted(p.name for p in (root / "ocds/2021").glob("compiled-*")) == parts
    linked = [name for name in parts if (root / "ocds/2021" / name).stat().st_ino == inodes[name]]
    assert linked == parts[:-1]
    first = parts[0][len("compiled"):-len(".jsonl.gz")]  # -2021-01_2021-03
    assert {f"ocds/2021/compiled{first}.jsonl.gz", f"ocds/2021/releases{first}.json.gz",
            f"ocds/2021/records{first}.json.gz"} <= set(result.carried)
    fresh = tmp_path / "fresh"
    publish_store(store_path, fresh, config)
    kept, made = files(root), files(fresh)
    assert kept.keys() == made.keys()
    assert [path for path in made if kept[path] != made[path] and path not in ("datapackage.json", "site/data/downloads.js")] == []


def test_formulas_are_neutralised_in_csv_and_excel(tmp_path, daily):
    store_path = small_store(tmp_path, daily, years=("2020",))
    store = Store(str(store_path))
    ocid, bodies = next(store.releases_by_ocid())
    body = orjson.loads(bodies[0])  # the tender: it names the buyer
    hostile = {**body, "id": body["id"] + "-h", "date": "2026-03-01T00:00:00-05:00",
               "tender": {**body.get("tender", {}), "title": '=HYPERLINK("http://x.example","clic")'},
               "buyer": {**body["buyer"], "name": "@SUM(1+1)"}}
    package = tmp_path / "hostile.json"
    package.write_bytes(orjson.dumps({"uri": "https://example.org/h.json", "version": "1.1", "releases": [hostile]}))
    ingest([package], store)
    store.close()
    root = tmp_path / "pub"
    publish_store(store_path, root)
    procesos = pd.read_csv(root / "csv/2020/ocds/ocds_procesos.csv", dtype=str)
    row = procesos[procesos["Identificador de contratación abierta"] == ocid].iloc[0]
    assert row["Licitación:Título de la licitación"] == '\'=HYPERLINK("http://x.example","clic")'
    book = openpyxl.load_workbook(root / "xlsx" / "2020.xlsx")
    cells = [cell for row in book["contratos"].iter_rows() for cell in row if isinstance(cell.value, str)]
    assert any(cell.value == "'@SUM(1+1)" for cell in cells)
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)


def test_csv_with_a_byte_order_mark_for_excel_on_windows(tmp_path):
    from ocds_pipeline.publish.spreadsheets import CsvTable

    table = CsvTable(tmp_path / "t.csv", ["RUC", "Monto"], bom=True)
    table.add(["0990017514001", 12.5])
    table.add(["=1+1", None])
    table.close()
    data = (tmp_path / "t.csv").read_bytes()
    assert data == "\ufeffRUC,Monto\r\n0990017514001,12.5\r\n'=1+1,\r\n".encode("utf-8")
    assert pd.read_csv(tmp_path / "t.csv", dtype=str, encoding="utf-8-sig").columns[0] == "RUC"
