"""What the indicators' tests share: the files a run of the pipeline writes from the fixtures."""

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """``run --out`` on the fixtures: compiled.jsonl, releases.jsonl, records.json…"""
    out = tmp_path_factory.mktemp("pub")
    run(FIXTURES, out, Config(), SchemaResolver.from_env(), store_url=str(out / "store.sqlite"))
    return out
