"""Schemathesis generates requests from /openapi.json, valid and not, for every operation: no 5xx, every
status, content type and body as documented (a bounded number of examples per operation)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Server
from tests.conftest import examples


@pytest.fixture(scope="module")
def api_schema(filled_sqlite, tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-openapi")
    store_url = filled_sqlite.copy(folder)
    server = Server.start(store_url, folder, filled_sqlite.folder / "publication", config={"api_rate_limit": 0})
    yield schemathesis.openapi.from_url(f"{server.base}/openapi.json")
    server.stop()


OPERATIONS = ["/api/v1/records/{ocid}", "/api/v1/releases", "/api/v1/compiled-releases", "/api/v1/changes",
              "/api/v1/indicators", "/api/v1/status"]


@pytest.mark.parametrize("path", OPERATIONS)
def test_every_operation_answers_as_documented(api_schema, path):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
    def answers(case):
        case.call_and_validate()

    answers()


def test_every_documented_operation_is_tested(api_schema):
    assert sorted(api_schema.raw_schema["paths"]) == sorted(OPERATIONS)
