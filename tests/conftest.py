"""Shared test setup: offline schema resolution from ../shared and the bundled fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "sercop"
BAD = ROOT / "fixtures" / "bad"
# ../shared beside the project (or beside a folder that holds a copy of it, as mutmut's mutants/)
SHARED = next((folder / "shared" for folder in ROOT.parents if (folder / "shared").is_dir()), ROOT.parent / "shared")
SHARED_SCHEMAS = SHARED / "upstream-schemas"

# Tests resolve upstream schemas offline: default to ../shared when the environment does not say,
# and never download (the download tests serve a mirror on 127.0.0.1 and say so explicitly).
if SHARED_SCHEMAS.is_dir():
    os.environ.setdefault("OCDS_PIPELINE_SCHEMA_PATH", str(SHARED_SCHEMAS))
os.environ["OCDS_PIPELINE_OFFLINE"] = "1"
os.environ.pop("OCDS_PIPELINE_SCHEMA_MIRROR", None)

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# `make mutation` runs the selected tests once per mutant: fewer, reproducible examples keep the
# run bounded, and the same examples judge every mutant.
settings.register_profile("mutation", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=list(HealthCheck))
UNDER_MUTATION = "MUTANT_UNDER_TEST" in os.environ
settings.load_profile("mutation" if UNDER_MUTATION else "ci")


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle, which each worker does alike
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Start the slow tests first, balanced between the two halves of the run: `make test` runs
    ``-n 2 --dist worksteal``, which gives each worker one half to start with. A two-minute test that a
    random order put last would otherwise make the whole run two minutes longer."""
    slow = [item for item in items if item.get_closest_marker("slow")]
    if not slow:
        return
    halves: tuple[list[pytest.Item], list[pytest.Item]] = ([], [])
    loads = [0.0, 0.0]
    for item in sorted(slow, key=lambda item: -item.get_closest_marker("slow").kwargs.get("seconds", 10)):
        lighter = loads.index(min(loads))
        halves[lighter].append(item)
        loads[lighter] += item.get_closest_marker("slow").kwargs.get("seconds", 10)
    rest = [item for item in items if not item.get_closest_marker("slow")]
    first = max(0, len(items) // 2 - len(halves[0]))
    items[:] = halves[0] + rest[:first] + halves[1] + rest[first:]


def examples(count: int) -> int:
    """A test's own number of hypothesis examples, capped by the mutation profile under `make mutation`."""
    return min(count, settings.get_profile("mutation").max_examples) if UNDER_MUTATION else count


@pytest.fixture(autouse=UNDER_MUTATION)
def cold_caches():
    """Under mutation, each test starts with empty lru caches, so a mutated loader really runs.

    mutmut forks every mutant from a process that already ran the tests: a codelist cached there
    would otherwise hide any mutant in the code that loads it.
    """
    import sys

    for name, module in list(sys.modules.items()):
        if name.startswith("ocds_pipeline"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


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


def shared_schemas() -> Path:
    """../shared/upstream-schemas, which these tests need: missing, they fail (never skip)."""
    assert (SHARED_SCHEMAS / "ocds-1.1.5" / "release-schema.json").is_file(), (
        f"{SHARED_SCHEMAS} holds no pinned schemas: the tests that serve them as a mirror need ../shared")
    return SHARED_SCHEMAS


def shared_samples() -> Path:
    """../shared/samples, the real SERCOP bodies: missing, the tests that read them fail (never skip)."""
    samples = SHARED / "samples"
    assert len(list(samples.glob("sercop-api-record_*.json"))) == 4, f"{samples} should hold four SERCOP api/record bodies"
    return samples


@pytest.fixture
def serve():
    """Serve a folder over HTTP on 127.0.0.1 (a stand-in for a remote server); yields a function folder -> URL."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    servers = []

    def start(folder: Path) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


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
