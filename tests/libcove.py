"""Run libcoveocds (AGPL, a test-only reference) fully offline on a release package.

The standard comes from a minimal ZIP built from the pinned local files; extension files are
served from the pinned copies (and this project's schemas/extensions) by replacing the HTTP
session of ocdsextensionregistry, so the extensions a package declares are really applied.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import LOCAL_EXTENSIONS_DIR, local_extension_url
from ocds_pipeline.resources import data_path
from ocds_pipeline.schemas import SchemaResolver, extension_urls, load_pins

STANDARD = "standard-1__1__5"


def standard_zip(resolver: SchemaResolver, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(f"{STANDARD}/", "")
        for name in load_pins():
            if name.startswith("ocds-1.1.5/"):
                archive.write(resolver.resolve(name), f"{STANDARD}/schema/{name.split('/', 1)[1]}")
    return target


class _Response:
    def __init__(self, body: bytes | None) -> None:
        self.status_code = 200 if body is not None else 404
        self.content = body or b""

    def raise_for_status(self) -> None:
        if self.status_code != 200:
            import requests

            raise requests.HTTPError(f"{self.status_code}")


def _archive(members: dict[str, Path], top: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{top}/", "")
        for relative, path in members.items():
            archive.write(path, f"{top}/{relative}")
    return buffer.getvalue()


def _local_files(resolver: SchemaResolver) -> dict[str, bytes]:
    """Map each URL an extension may be read from (file or GitHub archive) to its local bytes."""
    files: dict[str, bytes] = {}
    for folder, url in extension_urls().items():
        base = url.rsplit("/", 1)[0] + "/"
        prefix = f"ocds-extensions/{folder}/"
        members = {name[len(prefix):]: resolver.resolve(name) for name in load_pins() if name.startswith(prefix)}
        for relative, path in members.items():
            files[base + relative] = path.read_bytes()
        # ocdsextensionregistry downloads GitHub-hosted extensions as the repository archive.
        owner, repo, ref = url.split("/")[3:6]
        files[f"https://github.com/{owner}/{repo}/archive/{ref}.zip"] = _archive(members, f"{repo}-{ref}")
    local_root = data_path(*LOCAL_EXTENSIONS_DIR)
    for folder in (p for p in local_root.iterdir() if p.is_dir()):
        base = local_extension_url(folder.name, Config().base_uri).rsplit("/", 1)[0] + "/"
        for path in folder.rglob("*"):
            if path.is_file():
                files[base + path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def libcove_report(package: Path, workdir: Path, monkeypatch) -> dict[str, Any]:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig
    from ocdsextensionregistry import extension_version

    resolver = SchemaResolver.from_env()
    files = _local_files(resolver)

    def get(url, *args, **kwargs):
        return _Response(files.get(url))

    monkeypatch.setattr(extension_version.session, "get", get)
    config = LibCoveOCDSConfig({"standard_zip": f"file://{standard_zip(resolver, workdir / 'standard.zip')}"})
    config.config["context"] = "api"
    return ocds_json_output(str(workdir), str(package), schema_version="1.1", convert=False, lib_cove_ocds_config=config)
