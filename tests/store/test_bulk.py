"""The store's bulk insert: what goes in comes out unchanged on both databases, and PostgreSQL's COPY fails
with the same SQLAlchemy errors a plain INSERT raises (a duplicate, a server that went away)."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, Text, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ocds_pipeline.store import Store, tables
from ocds_pipeline.store.bulk import insert_rows

metadata = MetaData()
sample = Table("bulk_sample", metadata, Column("id", Integer, primary_key=True, autoincrement=False),
               Column("text", Text), Column("number", Integer))

# Any text PostgreSQL can store (it has no NUL character in text) — tabs, newlines, backslashes and
# "\N" included, which COPY's text format has to escape.
texts = st.one_of(st.none(), st.sampled_from(["\\N", "\t", "\n", "\\", "a\\tb", "\r\n", "ñandú"]),
                  st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(texts, st.one_of(st.none(), st.integers(-2**31, 2**31 - 1))), max_size=30))
def test_rows_come_back_as_they_went_in(store_url, values):
    store = Store(store_url)
    try:
        metadata.create_all(store.engine)
        rows = [{"id": i, "text": text, "number": number} for i, (text, number) in enumerate(values)]
        with store.engine.begin() as connection:
            connection.execute(sample.delete())
            insert_rows(connection, sample, rows)
        with store.engine.connect() as connection:
            stored = [dict(row._mapping) for row in connection.execute(select(sample).order_by(sample.c.id))]
        assert stored == rows
    finally:
        store.close()


def test_a_duplicate_is_an_integrity_error_and_nothing_of_the_batch_stays(store_url):
    store = Store(store_url)
    run = store.start_run("ingest", "test")
    row = {"ocid": "o-1", "release_id": "r", "date": "2024-01-01", "tags": "[]", "content_hash": "x" * 32,
           "body": "{}", "run_id": run}
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        insert_rows(connection, tables.releases, [row, {**row, "release_id": "s"}, row])
    assert store.count() == {"releases": 0, "processes": 0}
    store.close()


def test_a_server_gone_mid_copy_is_an_invalidated_operational_error(postgres_cluster):
    url = postgres_cluster.new_database()
    store = Store(url)
    run = store.start_run("ingest", "test")
    rows = [{"ocid": f"o-{i}", "release_id": "r", "date": "2024-01-01", "tags": "[]", "content_hash": "x" * 32,
             "body": "{}", "run_id": run} for i in range(3)]
    with pytest.raises(OperationalError) as raised, store.engine.begin() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        insert_rows(connection, tables.releases, rows)
    assert raised.value.connection_invalidated
    assert "COPY releases" in str(raised.value)
    assert store.count() == {"releases": 0, "processes": 0}  # the pool gives a new connection
    store.close()
