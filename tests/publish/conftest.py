"""What the publication's tests share: a daily run of the bundled fixtures, publication included."""

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def daily(tmp_path_factory):
    """`run` on the bundled fixtures, ending by publishing: the run's own files and the publication."""
    folder = tmp_path_factory.mktemp("publication")
    result = run(FIXTURES, folder / "run", Config(), SchemaResolver.from_env(),
                 store_url=str(folder / "store.sqlite"), publication_root=folder / "publication")
    return folder, result
