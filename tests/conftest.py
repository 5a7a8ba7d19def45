"""Shared test setup: offline schema resolution from ../shared and the bundled fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "sercop"
BAD = ROOT / "fixtures" / "bad"
SHARED_SCHEMAS = ROOT.parent / "shared" / "upstream-schemas"

# Tests resolve upstream schemas offline: default to ../shared when the environment does not say.
if SHARED_SCHEMAS.is_dir():
    os.environ.setdefault("OCDS_PIPELINE_SCHEMA_PATH", str(SHARED_SCHEMAS))

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


def read_table(name: str, folder: Path = FIXTURES) -> list[dict[str, str]]:
    """The rows of a source CSV table, as text (an independent reading for expected values)."""
    import csv

    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def schema_dirs() -> list[Path]:
    """Folders with the pinned upstream files: OCDS_PIPELINE_SCHEMA_PATH, else ../shared."""
    env = [Path(p) for p in os.environ.get("OCDS_PIPELINE_SCHEMA_PATH", "").split(os.pathsep) if p]
    return env or [SHARED_SCHEMAS]


@pytest.fixture
def resolver(tmp_path):
    """A resolver that can only use the local pinned files and an empty temporary cache."""
    from ocds_pipeline.schemas import SchemaResolver

    return SchemaResolver(search_dirs=schema_dirs(), cache_dir=tmp_path / "cache", allow_network=False)


@pytest.fixture(scope="session")
def postgres_cluster():
    from tests.postgres import Cluster

    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A fresh, empty store: an SQLite file, and a new database on the throwaway PostgreSQL cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("postgres_cluster").new_database()
