"""JSON Schema validation of releases against the extension-patched OCDS release schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ..extensions import PUBLISHED_EXTENSIONS, patched_release_schema
from ..schemas import SchemaResolver


@dataclass(frozen=True)
class SchemaIssue:
    """One schema error: where (ocid, release id, JSON path), which rule, and the message."""

    ocid: str
    release_id: str
    path: str
    validator: str
    message: str


class ReleaseValidator:
    """Validates releases (dicts) against OCDS 1.1.5 patched with the given extensions."""

    def __init__(self, resolver: SchemaResolver, extensions: Iterable[str] = PUBLISHED_EXTENSIONS, *,
                 base_uri: str = "", reference: bool = False) -> None:
        self.schema = patched_release_schema(resolver, tuple(extensions), base_uri)
        self.reference = reference
        if reference:
            from jsonschema import Draft4Validator

            self._validator = Draft4Validator(self.schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        else:
            import jsonschema_rs

            self._validator = jsonschema_rs.Draft4Validator(self.schema, validate_formats=True)

    def issues(self, release: dict[str, Any]) -> Iterator[SchemaIssue]:
        ocid, rid = str(release.get("ocid", "")), str(release.get("id", ""))
        for error in self._validator.iter_errors(release):
            if self.reference:
                path, kind = error.absolute_path, error.validator
            else:
                # jsonschema-rs names the kind in CamelCase ("MinLength"); jsonschema says "minLength".
                name = type(error.kind).__name__
                path, kind = error.instance_path, name[:1].lower() + name[1:]
            yield SchemaIssue(ocid, rid, "/".join(str(p) for p in path), str(kind), error.message)

    def count_errors(self, releases: Iterable[dict[str, Any]]) -> int:
        return sum(1 for release in releases for _ in self.issues(release))
