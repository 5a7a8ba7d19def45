"""Locations of the project's declarative data (``schemas/``, ``mappings/``, ``fixtures/``).

The data lives at the top of the repository, beside the package, so that it reads as the
project's publication policy annexes; the package is installed from a checkout (``pip install -e``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterable

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


def files_digest(paths: Iterable[str], seed: bytes = b"") -> bytes:
    """A digest of files of the checkout (``paths`` relative to it; a folder stands for every file under
    it, ``.pyc`` aside): what a cache keyed by it depends on, by name and content."""
    digest = hashlib.blake2b(seed, digest_size=16)
    for part in paths:
        path = ROOT / part
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix != ".pyc") if path.is_dir() else [path]
        for file in files:
            digest.update(f"{file.relative_to(ROOT).as_posix()}\n".encode())
            digest.update(hashlib.blake2b(file.read_bytes(), digest_size=16).digest())
    return digest.digest()
