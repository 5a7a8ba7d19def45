"""libcoveocds on one release package, offline, with the package's extensions applied.

The standard and the extension files come from the pinned local copies, as in the test suite
(tests/libcove.py); prints the validation errors libcoveocds reports (the first 10).
Usage: python bench/libcove_offline.py PACKAGE
"""

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.libcove import libcove_report  # noqa: E402

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as workdir:
        report = libcove_report(Path(sys.argv[1]), Path(workdir), pytest.MonkeyPatch())
    errors = report.get("validation_errors", [])
    print(len(errors), "validation errors")
    for error in errors[:10]:
        print(" ", str(error)[:300])
