"""Build extension-patched OCDS schemas and codelists offline, from pinned and local extensions.

An extension is named by its folder: pinned upstream ones (``ocds_bid_extension``…) resolve
through :class:`~ocds_pipeline.schemas.SchemaResolver`; this project's own live in
``schemas/extensions/<name>/``. Patching is JSON Merge Patch (RFC 7396), as OCDS specifies.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from .resources import data_path
from .schemas import SchemaResolver, extension_urls

CORE = "ocds-1.1.5"
# Extensions this project's releases use, in application order; location is the project
# extension's declared dependency.
PUBLISHED_EXTENSIONS = (
    "ocds_bid_extension",
    "ocds_lots_extension",
    "ocds_location_extension-master",
    "ocds_project_extension",
    "procurement_regime",
    "party_scale",
    "party_type",
)
LOCAL_EXTENSIONS_DIR = ("schemas", "extensions")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass
class Extension:
    name: str
    url: str
    metadata: dict[str, Any]
    release_schema: dict[str, Any]
    codelists: dict[str, str]  # file name -> CSV text


def local_extension_url(name: str, base_uri: str) -> str:
    return f"{base_uri.rstrip('/')}/extensions/{name}/extension.json"


def load_extension(name: str, resolver: SchemaResolver, base_uri: str = "") -> Extension:
    """Read an extension's metadata, release-schema patch and codelists."""
    local = data_path(*LOCAL_EXTENSIONS_DIR).joinpath(name)
    if local.is_dir():
        read = lambda rel: (local / rel).read_text(encoding="utf-8")  # noqa: E731
        url = local_extension_url(name, base_uri)
    else:
        urls = extension_urls()
        if name not in urls:
            raise KeyError(f"unknown extension {name!r}: neither pinned in schemas/upstream.json nor in schemas/extensions/")
        read = lambda rel: resolver.resolve(f"ocds-extensions/{name}/{rel}").read_text(encoding="utf-8")  # noqa: E731
        url = urls[name]
    metadata = json.loads(read("extension.json"))
    codelists = {f: read(f"codelists/{f}") for f in metadata.get("codelists", [])}
    return Extension(name, url, metadata, json.loads(read("release-schema.json")), codelists)


def patched_release_schema(resolver: SchemaResolver, extensions=PUBLISHED_EXTENSIONS, base_uri: str = "") -> dict[str, Any]:
    """OCDS 1.1.5 release schema with each extension's patch applied in order."""
    schema = resolver.load_json(f"{CORE}/release-schema.json")
    for name in extensions:
        schema = merge_patch(schema, load_extension(name, resolver, base_uri).release_schema)
    return schema


def standard_codelists(resolver: SchemaResolver, standard: str = CORE) -> dict[str, set[str]]:
    """Codes of every codelist a pinned standard (``ocds-1.1.5``, ``oc4ids-0.9.5``) publishes, by file name."""
    return {name.rsplit("/", 1)[1]: _codes(resolver.resolve(name).read_text(encoding="utf-8"))
            for name in resolver.pins if name.startswith(f"{standard}/codelists/")}


def patched_codelists(resolver: SchemaResolver, extensions=PUBLISHED_EXTENSIONS, base_uri: str = "") -> dict[str, set[str]]:
    """Codes of every codelist: core, plus extension codelists (``+x.csv`` adds, ``-x.csv`` removes)."""
    codes = standard_codelists(resolver)
    for extension in extensions:
        for file, text in load_extension(extension, resolver, base_uri).codelists.items():
            if file.startswith("+"):
                codes.setdefault(file[1:], set()).update(_codes(text))
            elif file.startswith("-"):
                codes.setdefault(file[1:], set()).difference_update(_codes(text))
            else:
                codes[file] = _codes(text)
    return codes


def codelist_fields(schema: dict[str, Any]) -> dict[tuple[str, ...], tuple[str, bool]]:
    """Field path (array levels folded) -> (codelist file, open?) for every field with a codelist."""
    definitions = schema.get("definitions", {})
    found: dict[tuple[str, ...], tuple[str, bool]] = {}

    def walk(node: dict[str, Any], path: tuple[str, ...], seen: tuple[str, ...]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name in seen:
                return
            node, seen = definitions[name], seen + (name,)
        if "codelist" in node:
            found[path] = (node["codelist"], bool(node.get("openCodelist")))
        if "items" in node:
            walk(node["items"], path, seen)
        for key, child in (node.get("properties") or {}).items():
            walk(child, path + (key,), seen)

    walk(schema, (), ())
    return found


def _codes(text: str) -> set[str]:
    return {row["Code"] for row in csv.DictReader(io.StringIO(text))}
