"""The API's OpenAPI description (``/openapi.json``) and its browsable page (``/api/v1/``): documented
responses for every status an endpoint can give, errors as problem details, nothing fetched by the page."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

DESCRIPTION = (
    "Open contracting data of Ecuador's public procurement (SERCOP) in OCDS 1.1, read from the release store "
    "that the daily run keeps: records, releases, compiled releases filtered and paged by cursor, a feed of "
    "changes for harvesters, and the indicators. Errors are `application/problem+json`. Responses carry an "
    "`ETag` (send `If-None-Match` to get `304`) and `Cache-Control`; clients over the rate limit get `429` "
    "with `Retry-After`. The bulk files and the site are served at `/`."
)

_PROBLEM = {"type": "object", "required": ["type", "title", "status", "detail"], "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "retry_after": {"type": "integer"},
    "invalid_params": {"type": "array", "items": {"type": "object", "required": ["name", "reason"], "properties": {
        "name": {"type": "string"}, "reason": {"type": "string"}}}}}}
_PACKAGE = {"uri": {"type": "string"}, "version": {"type": "string"}, "publishedDate": {"type": "string"},
            "publisher": {"type": "object"}, "license": {"type": "string"}, "publicationPolicy": {"type": "string"},
            "extensions": {"type": "array", "items": {"type": "string"}}}
_RELEASE = {"type": "object", "required": ["ocid", "id", "date", "tag"], "properties": {
    "ocid": {"type": "string"}, "id": {"type": "string"}, "date": {"type": "string"}, "tag": {"type": "array"}}}
_RELEASE_PACKAGE = {"type": "object", "required": ["uri", "version", "publisher", "publishedDate", "releases"],
                    "properties": {**_PACKAGE, "releases": {"type": "array", "items": _RELEASE},
                                   "links": {"type": "object", "properties": {"next": {"type": "string"}}}}}
_RECORD_PACKAGE = {"type": "object", "required": ["uri", "version", "publisher", "publishedDate", "records"],
                   "properties": {**_PACKAGE, "packages": {"type": "array", "items": {"type": "string"}},
                                  "records": {"type": "array", "minItems": 1, "maxItems": 1, "items": {
                                      "type": "object", "required": ["ocid", "releases"], "properties": {
                                          "ocid": {"type": "string"}, "releases": {"type": "array"},
                                          "compiledRelease": {"type": "object"}, "versionedRelease": {"type": "object"}}}}}}
_INDICATOR_ROWS = {"type": "array", "items": {"type": "object", "required": ["indicator", "value"], "properties": {
    "indicator": {"type": "string"}, "numerator": {"type": ["number", "null"]},
    "denominator": {"type": ["number", "null"]}, "value": {"type": ["number", "null"]}}}}
_STATUS = {"type": "object", "required": ["releases", "processes", "latest", "indexed_through", "version"], "properties": {
    "releases": {"type": "integer"}, "processes": {"type": "integer"}, "latest": {"type": "integer"},
    "indexed_through": {"type": "integer"}, "version": {"type": "string"}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _PROBLEM}}}


def _ok(description: str, **content: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {media: {"schema": schema} for media, schema in content.items()}},
            304: {"description": "Not Modified: the client's copy (If-None-Match) is current"}}


RECORD = {**_ok("A record package with one record", **{"application/json": _RECORD_PACKAGE}),
          404: _problem("No process with this ocid")}
RELEASES = {**_ok("A release package with the process's releases", **{"application/json": _RELEASE_PACKAGE}),
            404: _problem("No process with this ocid")}
COMPILED = _ok("A release package of compiled releases, or one per line",
               **{"application/json": _RELEASE_PACKAGE, "application/x-ndjson": {"type": "string"}})
CHANGES = _ok("A release package of the releases added after the position", **{"application/json": _RELEASE_PACKAGE})
INDICATORS = _ok("The indicator table", **{"application/json": _INDICATOR_ROWS, "text/csv": {"type": "string"}})
STATUS = _ok("What the store holds", **{"application/json": _STATUS})

_EVERY_ROUTE = {
    "400": _problem("A parameter is not valid: `invalid_params` names it"),
    "413": _problem("The request has a body larger than allowed"),
    "414": _problem("The path and query are too long"),
    "429": _problem("Too many requests from this client: retry after `Retry-After` seconds"),
    "503": _problem("A query took longer than allowed, or the store is not reachable"),
}


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI description, with the problem responses every route can give (FastAPI's 422 is a 400 here)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in schema["paths"].values():
            for operation in path.values():
                operation["responses"].pop("422", None)
                operation["responses"].update(_EVERY_ROUTE)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


@lru_cache(maxsize=8)
def _template():
    from jinja2 import Environment, PackageLoader, select_autoescape

    environment = Environment(loader=PackageLoader("ocds_pipeline.api", "templates"), autoescape=select_autoescape())
    return environment.get_template("api.html")


def page(schema: dict[str, Any], base_url: str) -> bytes:
    """The browsable description of the API: every endpoint, its parameters and responses, with links."""
    endpoints = [{"method": method.upper(), "path": path, **operation}
                 for path, methods in schema["paths"].items() for method, operation in methods.items()]
    return _template().render(info=schema["info"], endpoints=endpoints, base=base_url.rstrip("/")).encode("utf-8")
