"""Resolve pinned upstream schema files (OCDS, OC4IDS, extensions), verified by SHA-256.

Files are never committed to this repository. ``schemas/upstream.json`` pins each file's canonical
URL and hash; a file is looked up, in order, in the directories of ``OCDS_PIPELINE_SCHEMA_PATH``
and in the user cache; on first use it is downloaded once, from its URL or from the mirror in
``OCDS_PIPELINE_SCHEMA_MIRROR`` (``<mirror>/<set>/<file>``), verified and cached. A download that
fails the hash is refused and never cached. ``OCDS_PIPELINE_OFFLINE=1`` (the CLI's
``--offline``) forbids downloads.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .atomic import write_bytes
from .resources import data_path

ENV_PATH = "OCDS_PIPELINE_SCHEMA_PATH"
ENV_MIRROR = "OCDS_PIPELINE_SCHEMA_MIRROR"
ENV_OFFLINE = "OCDS_PIPELINE_OFFLINE"
TRUE = {"1", "true", "yes"}


class SchemaError(Exception):
    """A pinned upstream file is missing, unknown or does not match its hash."""


@dataclass(frozen=True)
class Pin:
    """One pinned upstream file: ``name`` is ``<set>/<path inside the set>``."""

    name: str
    url: str
    sha256: str


def load_pins(path: Path | None = None) -> dict[str, Pin]:
    """Read ``schemas/upstream.json`` into a mapping of file name to pin."""
    doc = json.loads((path or data_path("schemas", "upstream.json")).read_text(encoding="utf-8"))
    pins = {}
    for set_name, spec in doc["sets"].items():
        for rel, info in spec["files"].items():
            name = f"{set_name}/{rel}"
            pins[name] = Pin(name, info["url"], info["sha256"])
    return pins


def extension_urls(path: Path | None = None) -> dict[str, str]:
    """Map each pinned extension folder (e.g. ``ocds_bid_extension``) to its canonical URL."""
    doc = json.loads((path or data_path("schemas", "upstream.json")).read_text(encoding="utf-8"))
    return {
        name.split("/", 1)[1]: spec["extension_url"]
        for name, spec in doc["sets"].items()
        if "extension_url" in spec
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ocds_pipeline"


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class SchemaResolver:
    """Find verified local copies of pinned files; download missing ones into the cache unless offline."""

    search_dirs: list[Path] = field(default_factory=list)
    cache_dir: Path = field(default_factory=default_cache_dir)
    allow_network: bool = True
    mirror: str | None = None  # downloads come from <mirror>/<set>/<file> instead of the pinned URLs
    report: Callable[[str], None] = field(default=_to_stderr, repr=False)  # told of each download
    pins: dict[str, Pin] = field(default_factory=load_pins)
    _verified: dict[str, Path] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, *, offline: bool | None = None) -> "SchemaResolver":
        """A resolver from ``OCDS_PIPELINE_SCHEMA_PATH``, ``OCDS_PIPELINE_SCHEMA_MIRROR`` and ``OCDS_PIPELINE_OFFLINE``."""
        dirs = [Path(p) for p in os.environ.get(ENV_PATH, "").split(os.pathsep) if p]
        if offline is None:
            offline = os.environ.get(ENV_OFFLINE, "").lower() in TRUE
        return cls(search_dirs=dirs, allow_network=not offline, mirror=os.environ.get(ENV_MIRROR) or None)

    def pin(self, name: str) -> Pin:
        try:
            return self.pins[name]
        except KeyError:
            raise SchemaError(f"{name!r} is not pinned in schemas/upstream.json") from None

    def locate(self, name: str) -> tuple[Path | None, str]:
        """Return (verified path or None, description of what was found where)."""
        pin = self.pin(name)
        notes = []
        for directory in [*self.search_dirs, self.cache_dir]:
            candidate = directory / name
            if not candidate.is_file():
                continue
            actual = sha256_file(candidate)
            if actual == pin.sha256:
                return candidate, f"ok ({candidate})"
            notes.append(f"{candidate} has sha256 {actual}, expected {pin.sha256}")
        return None, "; ".join(notes) or "not found"

    def resolve(self, name: str) -> Path:
        """Return the path of a verified copy of ``name``, downloading it on first use unless offline."""
        if name in self._verified:
            return self._verified[name]
        path, found = self.locate(name)
        if path is None and self.allow_network:
            path = self.download(name)
        if path is None:
            where = ", ".join(str(d) for d in [*self.search_dirs, self.cache_dir]) or "(nowhere)"
            raise SchemaError(
                f"upstream file {name!r}: {found}. Looked in: {where}. Downloads are off ({ENV_OFFLINE}=1 or "
                f"--offline). Fix: point {ENV_PATH} at a folder holding the pinned files (e.g. "
                f"../shared/upstream-schemas), set {ENV_MIRROR} to a mirror of them, or run once without --offline."
            )
        self._verified[name] = path
        return path

    def url(self, name: str) -> str:
        """Where ``name`` is downloaded from: the mirror when one is set, else its pinned URL."""
        return f"{self.mirror.rstrip('/')}/{name}" if self.mirror else self.pin(name).url

    def download(self, name: str) -> Path:
        """Download ``name`` into the cache; refused (and not cached) unless its SHA-256 is the pinned one."""
        pin, url = self.pin(name), self.url(name)
        import urllib.error  # only when a download is needed (it costs 20 ms to import)
        import urllib.request

        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (pinned or configured URL)
                body = response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise SchemaError(f"cannot download {name!r} from {url}: {getattr(error, 'reason', error)}. "
                              f"Set {ENV_MIRROR} to a reachable mirror, or {ENV_PATH} to a folder with the pinned files.") from None
        actual = hashlib.sha256(body).hexdigest()
        if actual != pin.sha256:
            raise SchemaError(f"download of {url} has sha256 {actual}, expected {pin.sha256} (schemas/upstream.json): "
                              "refused, not cached")
        target = self.cache_dir / name
        write_bytes(target, body)
        self.report(f"downloaded {name} from {url} (sha256 verified) into {self.cache_dir}")
        return target

    def load_json(self, name: str) -> Any:
        return json.loads(self.resolve(name).read_text(encoding="utf-8"))

    def fetch(self, names: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """Fill the cache with every pinned file (copying verified local files, else downloading)."""
        results = []
        for name in names or sorted(self.pins):
            cached = self.cache_dir / name
            if cached.is_file() and sha256_file(cached) == self.pin(name).sha256:
                results.append((name, "cached"))
                continue
            try:
                path = self.resolve(name)
            except (SchemaError, OSError) as error:
                results.append((name, f"error: {error}"))
                continue
            if path != cached:
                write_bytes(cached, path.read_bytes())
                self._verified[name] = cached
            results.append((name, "copied" if path != cached else "downloaded"))
        return results

    def check(self) -> list[tuple[str, Path | None, str]]:
        """Report, for every pinned file, where a verified copy is (or why none is)."""
        return [(name, *self.locate(name)) for name in sorted(self.pins)]
