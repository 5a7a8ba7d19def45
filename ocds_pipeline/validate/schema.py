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


class SchemaValidator:
    """Validates JSON objects against a draft-04 schema, with jsonschema-rs or the reference."""

    def __init__(self, schema: dict[str, Any], *, reference: bool = False) -> None:
        self.schema = schema
        self.reference = reference
        if reference:
            from jsonschema import Draft4Validator

            self._validator = Draft4Validator(self.schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        else:
            import jsonschema_rs

            self._validator = jsonschema_rs.Draft4Validator(self.schema, validate_formats=True)

    def issues(self, document: dict[str, Any]) -> Iterator[SchemaIssue]:
        if not self.reference and self._validator.is_valid(document):
            return  # the common case, without building an error iterator
        ocid, rid = str(document.get("ocid", "")), str(document.get("id", ""))
        for error in self._validator.iter_errors(document):
            if self.reference:
                path, kind = error.absolute_path, error.validator
            else:
                # jsonschema-rs names the kind in CamelCase ("MinLength"); jsonschema says "minLength".
                name = type(error.kind).__name__
                path, kind = error.instance_path, name[:1].lower() + name[1:]
            yield SchemaIssue(ocid, rid, "/".join(str(p) for p in path), str(kind), error.message)

    def count_errors(self, documents: Iterable[dict[str, Any]]) -> int:
        return sum(1 for document in documents for _ in self.issues(document))


class ReleaseValidator(SchemaValidator):
    """Releases against OCDS 1.1.5 patched with the given extensions."""

    def __init__(self, resolver: SchemaResolver, extensions: Iterable[str] = PUBLISHED_EXTENSIONS, *,
                 base_uri: str = "", reference: bool = False) -> None:
        super().__init__(patched_release_schema(resolver, tuple(extensions), base_uri), reference=reference)


class ProjectValidator(SchemaValidator):
    """OC4IDS projects against the pinned OC4IDS 0.9.5 project schema (its codelists are enums in it)."""

    def __init__(self, resolver: SchemaResolver, *, reference: bool = False) -> None:
        super().__init__(resolver.load_json("oc4ids-0.9.5/project-schema.json"), reference=reference)
