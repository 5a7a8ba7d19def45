"""Additional fields: keys that neither the schema nor the declared extensions define.

OCDS allows them, so they are notes, not errors; libcoveocds lists them as "additional fields",
and so does this check. A derived schema keeps only the objects' shapes (``properties``,
``patternProperties``, array ``items``) and closes every object with ``additionalProperties:
false``, so jsonschema-rs finds them in the same pass that costs a fraction of full validation.
An object the schema leaves free-form (no properties) is closed too: every key in it is
additional, as libcoveocds counts it. Objects under ``oneOf``/``anyOf``/``allOf`` stay open.
"""

from __future__ import annotations

from typing import Any, Iterator

_COMBINED = ("oneOf", "anyOf", "allOf", "not")


def additional_fields_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The shape of ``schema``: its objects closed to keys they do not define."""
    definitions = schema.get("definitions", {})
    shaped: dict[str, dict[str, Any]] = {}

    def shape(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in shaped:
                shaped[name] = {}  # a cycle stops here
                shaped[name] = shape(definitions[name])
            return {"$ref": node["$ref"]}
        if any(key in node for key in _COMBINED):
            return {}
        types = node.get("type", [])
        types = [types] if isinstance(types, str) else types
        out: dict[str, Any] = {}
        if "items" in node and isinstance(node["items"], dict):
            out["items"] = shape(node["items"])
        if "object" in types or "properties" in node:
            out["properties"] = {key: shape(child) for key, child in (node.get("properties") or {}).items()}
            out["patternProperties"] = {pattern: {} for pattern in node.get("patternProperties") or {}}
            out["additionalProperties"] = False
        return out

    root = shape(schema)
    root["definitions"] = shaped
    return root


class AdditionalFields:
    """Finds the additional fields of documents of one schema (with jsonschema-rs)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        import jsonschema_rs

        self._validator = jsonschema_rs.Draft4Validator(additional_fields_schema(schema))

    def issues(self, document: dict[str, Any]) -> Iterator[tuple[str, str]]:
        """(path of the object, additional key) for each additional field."""
        if self._validator.is_valid(document):
            return
        for error in self._validator.iter_errors(document):
            unexpected = getattr(error.kind, "unexpected", None)
            if unexpected is None:
                continue  # a value of another type where an object is defined: the schema check reports it
            path = "/".join(str(p) for p in error.instance_path)
            for key in unexpected:
                yield path, key
