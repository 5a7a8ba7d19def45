"""10,000 generated procedures map to releases with zero schema errors."""

import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.generate import generate
from ocds_pipeline.mapping import MappingStats, map_source
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.sources import Accounting, RejectLog
from ocds_pipeline.validate import ReleaseValidator


@pytest.mark.slow(seconds=30)
def test_ten_thousand_generated_procedures_validate(tmp_path):
    generate(tmp_path, 10_000, seed=11)
    resolver = SchemaResolver.from_env()
    fast = ReleaseValidator(resolver)
    reference = ReleaseValidator(resolver, reference=True)
    rejects, accounting, stats = RejectLog(), Accounting(), MappingStats()
    errors, checked_by_reference = [], 0
    for number, release in enumerate(map_source(tmp_path, Config(), rejects=rejects, accounting=accounting, stats=stats)):
        errors += fast.issues(release)
        if number % 50 == 0:  # the slow reference validator on a 2 % sample
            errors += reference.issues(release)
            checked_by_reference += 1
    assert errors == []
    assert stats.processes == 10_000 and rejects.count == 0 and accounting.balanced()
    assert stats.releases > 50_000 and checked_by_reference > 1_000
