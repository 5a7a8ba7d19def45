"""Codelist checks as a generated schema: each codelist field gets an ``enum`` of its codes.

The release schema enforces closed codelists that carry an ``enum`` already; this derived schema
covers the rest — every open codelist (a value outside it is a note) and closed codelists that an
extension declares without an ``enum`` (an error). Everything else is stripped, so jsonschema-rs
visits only the codelist fields of a release and the check costs a fraction of the schema's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..extensions import codelist_fields


@dataclass(frozen=True)
class CodelistIssue:
    """A string value that is not a code of its field's codelist."""

    path: str
    value: str
    codelist: str
    open: bool


def codelist_schema(schema: dict[str, Any], codes: dict[str, set[str]]) -> dict[str, Any]:
    """A schema with only the ``enum``s of the codelist fields that the release schema leaves unchecked."""
    definitions = schema.get("definitions", {})
    stripped: dict[str, dict[str, Any]] = {}

    def strip(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in stripped:
                stripped[name] = {}  # a cycle stops here
                stripped[name] = strip(definitions[name])
            return {"$ref": node["$ref"]} if stripped[name] else {}
        out: dict[str, Any] = {}
        enum = _unchecked_codes(node, codes)
        if enum is not None:
            is_array = "array" in _types(node)
            out.update({"items": {"enum": enum}} if is_array else {"enum": enum})
        if "items" in node and "items" not in out:
            items = strip(node["items"])
            if items:
                out["items"] = items
        properties = {key: child for key, child in ((k, strip(v)) for k, v in (node.get("properties") or {}).items()) if child}
        if properties:
            out["properties"] = properties
        return out

    root = strip(schema)
    root["definitions"] = {name: body for name, body in stripped.items() if body}
    return root


def _types(node: dict[str, Any]) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _unchecked_codes(node: dict[str, Any], codes: dict[str, set[str]]) -> list[str] | None:
    """The codes to check at this field, or None when it has no codelist, no codes, or an enum already."""
    codelist = node.get("codelist")
    if codelist is None or codelist not in codes:
        return None
    has_enum = "enum" in node or "enum" in (node.get("items") or {})
    if has_enum and not node.get("openCodelist"):
        return None
    return sorted(codes[codelist])


class CodelistValidator:
    """Values outside their codelist, found with jsonschema-rs on the derived codelist schema."""

    def __init__(self, schema: dict[str, Any], codes: dict[str, set[str]]) -> None:
        import jsonschema_rs

        self.fields = codelist_fields(schema)
        self._validator = jsonschema_rs.Draft4Validator(codelist_schema(schema, codes))

    def issues(self, release: dict[str, Any]) -> Iterator[CodelistIssue]:
        if self._validator.is_valid(release):
            return
        for error in self._validator.iter_errors(release):
            value = error.instance
            if not isinstance(value, str):  # null or a wrong type: the release schema reports it
                continue
            path = error.instance_path
            codelist, is_open = self.fields[tuple(p for p in path if isinstance(p, str))]
            yield CodelistIssue("/".join(str(p) for p in path), value, codelist, is_open)
