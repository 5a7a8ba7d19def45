"""Limits: a rate limit per client (429 with Retry-After), request size and target length, and a time
limit on queries (503), each answered as problem details."""


import pytest
from fastapi.testclient import TestClient

from ocds_pipeline.api import ApiSettings, create_app
from ocds_pipeline.api.http import RateLimit
from ocds_pipeline.config import Config
from tests.api.conftest import Server


@pytest.fixture
def sqlite_store(filled_sqlite, tmp_path):
    """A copy of the filled SQLite store: (its URL, a folder for the server's files)."""
    return filled_sqlite.copy(tmp_path), tmp_path


def test_a_client_over_the_rate_limit_gets_429_with_retry_after(sqlite_store):
    url, folder = sqlite_store
    server = Server.start(url, folder, config={"api_rate_limit": 20})
    try:
        with server.client() as client:
            statuses = [client.get("/api/v1/status").status_code for _ in range(25)]
            assert statuses[:20] == [200] * 20
            assert set(statuses[20:]) == {429}
            refused = client.get("/api/v1/status")
            assert refused.headers["content-type"] == "application/problem+json"
            assert 1 <= int(refused.headers["retry-after"]) <= 4
            assert refused.json()["retry_after"] == int(refused.headers["retry-after"])
            assert client.get("/").status_code != 429  # the static publication is not limited
    finally:
        server.stop()


def test_the_bucket_refills_at_the_configured_rate():
    now = [0.0]
    limit = RateLimit(None, per_minute=60, clock=lambda: now[0])
    assert [limit.take("a") for _ in range(60)] == [0.0] * 60
    assert limit.take("a") == pytest.approx(1.0)
    assert limit.take("b") == 0.0  # per client
    now[0] = 2.5
    assert limit.take("a") == 0.0 and limit.take("a") == 0.0
    assert limit.take("a") == pytest.approx(0.5)


def test_bodies_and_long_targets_are_refused(sqlite_store):
    url, folder = sqlite_store
    client = TestClient(create_app(ApiSettings(url)))
    big = client.request("GET", "/api/v1/status", content=b"x" * 5000)
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"
    long = client.get("/api/v1/compiled-releases", params={"q": "a" * 5000})
    assert long.status_code == 414 and long.json()["status"] == 414
    assert client.get("/api/v1/compiled-releases", params={"q": "a" * 201}).json()["invalid_params"][0]["name"] == "q"
    assert client.post("/api/v1/status").status_code == 405


def test_a_query_over_the_time_limit_is_a_503(sqlite_store):
    url, folder = sqlite_store
    client = TestClient(create_app(ApiSettings(url, config=Config(api_timeout_seconds=1e-9))))
    response = client.get("/api/v1/compiled-releases", params={"updated_since": "2000-01-01", "limit": 1000})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json" and response.headers["retry-after"] == "5"
    patient = TestClient(create_app(ApiSettings(url, config=Config(api_timeout_seconds=10))))
    assert patient.get("/api/v1/compiled-releases", params={"updated_since": "2000-01-01", "limit": 1000}).status_code == 200


def test_without_a_publication_the_root_leads_to_the_api(sqlite_store):
    url, _ = sqlite_store
    client = TestClient(create_app(ApiSettings(url)), follow_redirects=False)
    response = client.get("/")
    assert response.status_code == 307 and response.headers["location"] == "/api/v1/"


def test_lookups_are_timed_from_their_own_start(sqlite_store):
    """A lookup on the held connection must not inherit the deadline of an older statement (every lookup of
    a process with many releases was interrupted once the server had run for longer than the limit)."""
    import time

    from ocds_pipeline.store import Store
    from ocds_pipeline.store.search import Lookups

    url, _ = sqlite_store
    store = Store(url, timeout=0.2)
    lookups = Lookups(store)
    ocids = [row[0] for row in store.compiled()]
    time.sleep(0.3)
    found = [lookups.process(ocid) for ocid in ocids]
    assert all(process is not None and process.current for process in found)
    store.close()


def test_serve_refuses_a_store_that_does_not_exist(tmp_path):
    from click.testing import CliRunner

    from ocds_pipeline.cli import main

    result = CliRunner().invoke(main, ["serve", "--store", str(tmp_path / "typo.sqlite")])
    assert result.exit_code == 2
    assert result.output == (f"error: no store at {tmp_path / 'typo.sqlite'}: fill one first with `ocds-pipeline run` "
                             "or `ingest`\n")
    assert not (tmp_path / "typo.sqlite").exists()
