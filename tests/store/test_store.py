"""The store behaves the same on SQLite and on a real PostgreSQL."""

import pytest
from sqlalchemy import delete, event, inspect, select, text
from sqlalchemy.exc import IntegrityError

from ocds_pipeline.sources import Reject
from ocds_pipeline.store import Reconciliation, Store, StoredRelease, StoreVersionError, normalise_url, tables
from ocds_pipeline.store.migrations import MIGRATIONS


def release(ocid, rid, date, **extra):
    return {"ocid": ocid, "id": rid, "date": date, "tag": ["tender"], **extra}


def test_migrations_are_recorded_and_idempotent(store_url):
    store = Store(store_url)
    with store.engine.connect() as connection:
        versions = list(connection.execute(select(tables.schema_version.c.version)).scalars())
    assert versions == [version for version, _, _ in MIGRATIONS]
    Store(store_url).close()  # opening again applies nothing and fails nothing
    store.close()


def test_newer_store_is_refused(store_url):
    store = Store(store_url)
    with store.engine.begin() as connection:
        connection.execute(tables.schema_version.insert().values(version=99, description="future", applied_at="x"))
    with pytest.raises(StoreVersionError, match="schema version 99"):
        Store(store_url)
    store.close()


def test_releases_are_unique_immutable_and_read_in_order(store_url):
    store = Store(store_url)
    run = store.start_run("map", "test")
    store.insert(run, [StoredRelease.of(release("o-2", "b", "2024-01-02T00:00:00Z"), "tender"),
                       StoredRelease.of(release("o-1", "y", "2024-01-03T00:00:00Z"), "award"),
                       StoredRelease.of(release("o-1", "x", "2024-01-01T00:00:00Z"), "tender"),
                       StoredRelease.of(release("o-1", "z", "2024-01-03T00:00:00Z"), "contract")])
    with pytest.raises(IntegrityError):
        store.insert(run, [StoredRelease.of(release("o-1", "x", "2025-01-01T00:00:00Z", language="es"))])
    grouped = [(ocid, [b.decode()[:40] for b in bodies]) for ocid, bodies in store.releases_by_ocid()]
    assert [ocid for ocid, _ in grouped] == ["o-1", "o-2"]
    assert [b.split('"id":"')[1][0] for b in grouped[0][1]] == ["x", "y", "z"]  # by date, then insertion
    assert store.release_ids(["o-1", "o-3"]) == {"o-1": ["x", "y", "z"]}  # merge order; o-3 has none
    assert [b.split(b'"id":"')[1][:1] for b in store.bodies(["o-1"])["o-1"]] == [b"x", b"y", b"z"]
    digest = StoredRelease.of(release("o-1", "x", "2024-01-01T00:00:00Z")).digest
    assert store.digests([("o-1", "x"), ("o-2", "q")]) == {("o-1", "x"): digest}
    assert store.count() == {"releases": 4, "processes": 2}
    assert [(ocid, rid, tags) for ocid, rid, _, tags in store.release_headers()] == [
        ("o-1", "x", '["tender"]'), ("o-1", "y", '["tender"]'), ("o-1", "z", '["tender"]'), ("o-2", "b", '["tender"]')]
    store.finish_run(run, {"added": 4})
    assert [(r["kind"], r["status"]) for r in store.runs()] == [("map", "finished")]
    store.close()


def test_mappings_are_recorded_with_the_releases(store_url):
    store = Store(store_url)
    run = store.start_run("map", "test")
    store.insert(run, [StoredRelease.of(release("o-1", "x", "2024-01-01T00:00:00Z"))],
                 {"o-1": Reconciliation("d1", "s1", {"releases": 1, "tags": {"tender": 1}}), "o-2": Reconciliation("d2")})
    assert store.mappings(["o-1", "o-2", "o-3"]) == {"o-1": "d1", "o-2": "d2"}
    # Only a process reconciled from the same source is known by its source; o-2 has no source digest.
    assert store.reconciled({"o-1": "s1", "o-2": "s1", "o-3": "s1"}) == {"o-1": {"releases": 1, "tags": {"tender": 1}}}
    assert store.reconciled({"o-1": "s2"}) == {}
    assert store.insert(run, [], {"o-1": Reconciliation("d3", "s2", {"releases": 0, "tags": {}})}) == 0  # replaced
    assert store.mappings(["o-1"]) == {"o-1": "d3"}
    assert store.reconciled({"o-1": "s1"}) == {} and store.reconciled({"o-1": "s2"}) == {"o-1": {"releases": 0, "tags": {}}}
    store.close()


def test_digest_ignores_key_order():
    a = StoredRelease.of({"ocid": "o", "id": "1", "date": "d", "tender": {"id": "t", "title": "x"}})
    b = StoredRelease.of({"tender": {"title": "x", "id": "t"}, "date": "d", "id": "1", "ocid": "o"})
    assert a.digest == b.digest and a.body != b.body


def test_rejects_round_trip(store_url):
    store = Store(store_url)
    run = store.start_run("map", "test")
    rejects = [Reject("procedimientos", 4, "estado", "Archivado", "not an allowed value", "source"),
               Reject("items", 9, "codigo_procedimiento", "X", "its procedure X was rejected", "mapping")]
    assert store.add_rejects(run, rejects) == 2
    assert store.rejects(run) == rejects
    store.close()


def test_urls():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("build/store.sqlite").startswith("sqlite:////")
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unreachable_store_is_a_clear_error(tmp_path):
    from ocds_pipeline.store import StoreError

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError) as refused:
        Store(f"sqlite:///{tmp_path}/file/store.sqlite")
    assert str(refused.value) == (f"cannot open the store 'sqlite:///{tmp_path}/file/store.sqlite': "
                                  f"[Errno 17] File exists: '{tmp_path}/file'")


def test_a_store_in_a_folder_not_made_yet_makes_it(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/new/folder/store.sqlite")
    assert store.count() == {"releases": 0, "processes": 0}
    store.close()
    assert (tmp_path / "new" / "folder" / "store.sqlite").is_file()


def _plans(store, read):
    """SQLite's query plan of each statement ``read`` runs on ``store``."""
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        read()
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    with store.engine.connect() as connection:
        return [" ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                for statement, parameters in statements]


def test_what_a_publish_asks_of_every_run_and_every_error_is_read_from_an_index(tmp_path):
    """A publish asks how many releases each run added, the bodies of the last run, and the processes that cannot
    be merged. At a national scale each was a scan of the whole table (6,000,000 releases, 17 GB: 41 s a publish);
    each is read from an index, so its time follows what it returns."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    run = store.start_run("map", "test")
    store.insert(run, [StoredRelease.of(release(f"o-{n}", "a", "2024-01-02T00:00:00Z")) for n in range(3)])
    reads = {"run_totals": lambda: store.run_totals(), "run_bodies": lambda: list(store.run_bodies(run)),
             "merge_errors": store.merge_errors}
    for name, read in reads.items():
        plans = _plans(store, read)
        assert plans and all("USING" in plan and "INDEX" in plan for plan in plans), (name, plans)
    store.close()


def test_the_years_and_months_totals_are_read_from_an_index_alone(tmp_path):
    """Every publish sums the processes of each year (and of each month of a year it writes): read from the table,
    each compiled release's row was read (6.7 s a publish at 1,000,000 processes); an index holds what they sum."""
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.save_compiled([{"ocid": "o-1", "year": "2024", "first_date": "2024-01-02T00:00:00Z",
                          "latest_date": "2024-03-02T00:00:00Z", "releases": 2, "release_bytes": 100, "body": "{}",
                          "error": None}])
    for name, read in {"year_totals": store.year_totals, "month_totals": lambda: store.month_totals("2024")}.items():
        plans = _plans(store, read)
        assert plans and all("COVERING INDEX" in plan for plan in plans), (name, plans)
    assert store.month_totals("2024") == {"2024-01": (1, 2, 100)}
    store.close()


def test_a_store_from_before_the_run_index_gets_it(store_url):
    store = Store(store_url)
    with store.engine.begin() as connection:  # the store as version 6 left it
        for index in ("releases_run_seq", "compiled_errors", "compiled_year_totals"):
            connection.execute(text(f"DROP INDEX {index}"))
        connection.execute(delete(tables.schema_version).where(tables.schema_version.c.version >= 7))
    store.close()
    store = Store(store_url)
    indexes = {table: {index["name"] for index in inspect(store.engine).get_indexes(table)} for table in ("releases", "compiled")}
    assert "releases_run_seq" in indexes["releases"] and {"compiled_errors", "compiled_year_totals"} <= indexes["compiled"]
    store.close()
