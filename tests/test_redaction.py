"""Database passwords never appear in errors, summaries, reports or the store's run log (redaction.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ocds_pipeline.cli import main
from ocds_pipeline.redaction import redact
from ocds_pipeline.store import Store, tables
from tests.conftest import BAD

PASSWORD = "s3cr@t-Pw"


@pytest.mark.parametrize(("text", "shown"), [
    ("postgresql+psycopg://ocds:s3cr@t-Pw@db.example/ocds?sslmode=require",
     "postgresql+psycopg://ocds:***@db.example/ocds?sslmode=require"),
    ("postgresql://ocds@db/ocds", "postgresql://ocds@db/ocds"),
    ("sqlite:///build/store.sqlite", "sqlite:///build/store.sqlite"),
    ("cannot open 'mysql://u:p@h/d' nor 'postgresql://v:q@h2/d2'", "cannot open 'mysql://u:***@h/d' nor 'postgresql://v:***@h2/d2'"),
    ("host=db password=abc user=x", "host=db password=*** user=x"),
    ("postgresql://u@h/d?password=zz&sslmode=require", "postgresql://u@h/d?password=***&sslmode=require"),
    ("dsn: password='a b c' dbname=x", "dsn: password=*** dbname=x"),
])
def test_passwords_are_replaced(text, shown):
    assert redact(text) == shown


def with_password(url: str) -> str:
    """The throwaway cluster trusts local connections: any password opens it, as a real one would."""
    return url.replace("postgres@", f"postgres:{PASSWORD.replace('@', '%40')}@", 1)


def test_a_run_with_passwords_in_its_urls_shows_them_nowhere(tmp_path, postgres_cluster):
    store_url = with_password(postgres_cluster.new_database())
    source_url = with_password(postgres_cluster.new_database())
    from tests.sources.test_bad_fixtures import load_database

    load_database(BAD / "base", source_url)
    result = CliRunner().invoke(main, ["--quiet", "run", source_url, "--out", str(tmp_path / "out"), "--store", store_url])
    assert result.exit_code == 0, result.output
    encoded = PASSWORD.replace("@", "%40")
    for shown in [result.stdout, result.stderr, *(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()
                                                    if p.suffix in {".json", ".csv", ".md", ".html"})]:
        assert PASSWORD not in shown and encoded not in shown
    store = Store(store_url)
    with store.engine.connect() as connection:
        assert connection.execute(select(tables.runs.c.source)).scalars().all() == [redact(source_url)]
    store.close()
    assert "***" in redact(source_url)


@pytest.mark.parametrize("option", ["--store", "source"])
def test_an_unreachable_database_is_an_error_without_its_password(tmp_path, option):
    url = f"postgresql://ocds:{PASSWORD}@127.0.0.1:1/ocds"
    args = ["run", url, "--out", str(tmp_path), "--store", str(tmp_path / "store.sqlite")] if option == "source" else \
        ["run", str(BAD / "base"), "--out", str(tmp_path), "--store", url]
    result = CliRunner().invoke(main, ["--quiet", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot open ")
    assert "postgresql://ocds:***@127.0.0.1:1/ocds" in result.stderr and PASSWORD not in result.stderr
