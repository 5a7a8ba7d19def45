import pytest

from ocds_pipeline.docgen import DOCS
from ocds_pipeline.resources import ROOT


@pytest.mark.parametrize("relative", sorted(DOCS))
def test_generated_docs_are_current(relative):
    assert (ROOT / relative).read_text(encoding="utf-8") == DOCS[relative](), (
        f"{relative} is stale: run `python -m ocds_pipeline.docgen`")
