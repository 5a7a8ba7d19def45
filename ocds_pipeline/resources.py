"""Locations of the project's declarative data (``schemas/``, ``mappings/``, ``fixtures/``).

The data lives at the top of the repository, beside the package, so that it reads as the
project's publication policy annexes; the package is installed from a checkout (``pip install -e``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = ROOT / "schemas"
MAPPINGS_DIR = ROOT / "mappings"
FIXTURES_DIR = ROOT / "fixtures"


def data_path(*parts: str) -> Path:
    """Return a path inside the repository, failing clearly if the checkout is incomplete."""
    path = ROOT.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: ocds_pipeline must be installed from a full checkout "
            "(pip install -e .) so that schemas/ and mappings/ sit beside the package"
        )
    return path


def read_yaml(path: Path) -> Any:
    """A YAML file's content, parsed safely, with libyaml's C parser when PyYAML has it (~10× faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (a safe loader)
