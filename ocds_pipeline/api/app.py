"""The API's ASGI application: OCDS records, releases, compiled releases, changes and indicators read
from the release store, and the static publication at ``/`` (docs/api.md)."""


import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Callable
from urllib.parse import urlencode

import orjson
from fastapi import FastAPI, Path as PathParam, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from .. import __version__
from ..config import Config
from ..indicators.groups import GROUPS
from ..packaging import package_metadata
from ..privacy import Privacy
from ..publish import package_fields, record_builder
from ..publish.cache import release_links
from ..schemas import SchemaResolver
from ..store import Store
from ..store.search import Filters, Lookups, Unavailable, changes, compiled_page
from . import openapi
from .http import PROBLEM, Limits, RateLimit, problem, validated

log = logging.getLogger("ocds_pipeline.api")
PREFIX = "/api/v1"
NDJSON = "application/x-ndjson"
CHANGES_MAX_AGE = 60
_GROUPING = "(" + "|".join(GROUPS) + ")"
TEXT = r"^[^\x00]*$"  # any text but NUL, which no database text holds  # the change feed is what harvesters poll: short, whatever the publishing schedule


@dataclass(frozen=True)
class ApiSettings:
    """What the application serves: a store, and optionally the publication folder (served at ``/``)."""

    store_url: str
    publication: Path | None = None
    config: Config = Config()


class _Timed:
    """A value recomputed at most every ``seconds`` (the store's declared package fields)."""

    def __init__(self, compute: Callable[[], Any], seconds: float = 60.0) -> None:
        self.compute, self.seconds, self.value, self.when = compute, seconds, None, -seconds
        self.lock = threading.Lock()

    def get(self) -> Any:
        with self.lock:
            if time.monotonic() - self.when >= self.seconds:
                self.value, self.when = self.compute(), time.monotonic()
            return self.value


class _Facts:
    """The indicators' fact tables of the store's compiled releases, rebuilt when the store changes."""

    def __init__(self, store: Store) -> None:
        self.store, self.lock, self.through, self.tables = store, threading.Lock(), None, None

    def get(self):
        from ..indicators.facts import facts

        with self.lock:
            through = self.store.compiled_through()
            if through != self.through:
                self.tables = facts(orjson.loads(body) for _, body, _ in self.store.compiled() if body is not None)
                self.through = through
            return self.tables


class Api:
    """The endpoints' work, over one store (one per server worker)."""

    def __init__(self, settings: ApiSettings, resolver: SchemaResolver) -> None:
        self.config = settings.config
        self.store = Store(settings.store_url, timeout=settings.config.api_timeout_seconds)
        self.builder = record_builder(settings.config, resolver)
        self.versioned_builder = replace(self.builder, versioned=True)  # the same merge rules, built once
        self.fields = _Timed(lambda: package_fields(self.store, self.config, resolver)[0])
        self.facts = _Facts(self.store)
        self.lookups = Lookups(self.store)  # used from the event loop only (the async endpoints)
        self.privacy = Privacy.of(settings.config, "api")  # natural persons' data in every response

    def metadata(self, uri: str, published: str) -> dict[str, Any]:
        return {**package_metadata(self.fields.get(), uri), "publishedDate": published}

    def record_package(self, ocid: str, uri: str, versioned: bool) -> bytes | None:
        process = self.lookups.process(ocid)
        if process is None:
            return None
        if versioned or not process.current:
            builder = self.versioned_builder if versioned else self.builder
            record: Any = orjson.Fragment(self.privacy.body(builder((ocid, self.store.bodies([ocid])[ocid])).record))
        else:
            record = {"ocid": ocid, "releases": release_links(self.builder.releases_uri, process.releases)}
            if process.compiled is not None:
                record["compiledRelease"] = orjson.Fragment(self.privacy.body(process.compiled))
        published = max(release[1] for release in process.releases)
        return orjson.dumps({**self.metadata(uri, published), "packages": [self.builder.releases_uri], "records": [record]})

    def release_package(self, uri: str, bodies: list[str | bytes], dates: list[str],
                        links: dict[str, str] | None = None) -> bytes:
        """A release package of these releases (JSON as stored, natural persons' data as the policy says),
        published at the latest of their dates."""
        package = {**self.metadata(uri, max(dates, default="") or _today()),
                   "releases": [orjson.Fragment(self.privacy.body(b)) for b in bodies]}
        if links:
            package["links"] = links
        return orjson.dumps(package)


def _today() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def encode_cursor(ocid: str) -> str:
    """Where a page ends, opaque to clients: the last ocid listed, as hexadecimal UTF-8."""
    return ocid.encode("utf-8").hex()


def decode_cursor(cursor: str) -> str:
    """The position a cursor stands for. Any cursor of the documented pattern is a position in ocid order
    (a list continues after it), so that no well-formed cursor is an error."""
    return bytes.fromhex(cursor).decode("utf-8", "replace").replace("\x00", "")


def _url(request: Request, path: str, **query: Any) -> str:
    given = {key: value for key, value in query.items() if value is not None}
    return f"{str(request.base_url).rstrip('/')}{path}" + (f"?{urlencode(given)}" if given else "")


def _wants(request: Request, media_type: str) -> bool:
    return media_type in request.headers.get("accept", "")


def create_app(settings: ApiSettings, resolver: SchemaResolver | None = None) -> FastAPI:
    """The application: the API under ``/api/v1`` and, with ``settings.publication``, the publication at ``/``."""
    api = Api(settings, resolver or SchemaResolver.from_env())
    config = settings.config
    max_age = config.api_cache_seconds
    app = FastAPI(title="ocds_pipeline API", version=__version__, description=openapi.DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    Limit = Annotated[int, Query(ge=1, le=config.api_max_limit, description=f"Items per page (at most {config.api_max_limit}).")]

    @app.get(PREFIX + "/records/{ocid:path}", tags=["OCDS"], summary="A process's record", responses=openapi.RECORD)
    async def record(request: Request, ocid: Annotated[str, PathParam(pattern=TEXT, max_length=300, description="The process's ocid.")],
               versioned: Annotated[bool, Query(description="Add the versioned release (merged now).")] = False) -> Response:
        """A record package with the process's record: its releases (linked to the release package they are
        published in) and its compiled release; with ``versioned=true``, also its versioned release."""
        body = api.record_package(ocid, _url(request, request.url.path, versioned=str(versioned).lower() if versioned else None), versioned)
        if body is None:
            return problem(404, "Not Found", f"no process with ocid {ocid!r} in this store")
        return validated(request, body, "application/json", max_age)

    @app.get(PREFIX + "/releases", tags=["OCDS"], summary="A process's releases", responses=openapi.RELEASES)
    async def releases(request: Request, ocid: Annotated[str, Query(pattern=TEXT, max_length=300, description="The process's ocid.")]) -> Response:
        """A release package with every release of one process, in the order they are merged."""
        process = api.lookups.process(ocid)
        if process is None:
            return problem(404, "Not Found", f"no process with ocid {ocid!r} in this store")
        body = api.release_package(_url(request, request.url.path, ocid=ocid), api.store.bodies([ocid])[ocid],
                                   [release[1] for release in process.releases])
        return validated(request, body, "application/json", max_age)

    @app.get(PREFIX + "/compiled-releases", tags=["OCDS"], summary="Compiled releases, filtered and paged",
             responses=openapi.COMPILED)
    async def compiled_releases(
            request: Request,
            year: Annotated[str | None, Query(pattern=r"^\d{4}$", description="The year the indicators count the process in.")] = None,
            buyer: Annotated[str | None, Query(pattern=TEXT, max_length=200, description="The buyer's party id or identifier (RUC).")] = None,
            supplier: Annotated[str | None, Query(pattern=TEXT, max_length=200, description="A supplier's party id or identifier (RUC).")] = None,
            procurement_method: Annotated[str | None, Query(pattern=TEXT, max_length=100, description="tender.procurementMethod (open, selective, limited, direct).")] = None,
            regime: Annotated[str | None, Query(pattern=TEXT, max_length=100, description="common or special (Régimen Especial).")] = None,
            province: Annotated[str | None, Query(pattern=TEXT, max_length=200, description="The buyer's province (address.region), as published.")] = None,
            procedure_type: Annotated[str | None, Query(pattern=TEXT, max_length=200, description="SERCOP's procedure type, as the indicators name it.")] = None,
            q: Annotated[str | None, Query(pattern=TEXT, max_length=200, description="Words in the title, description, buyer or supplier names (accents, case and inflection ignored).")] = None,
            updated_since: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}", max_length=40, description="Processes whose latest release is dated on or after this (ISO 8601).")] = None,
            cursor: Annotated[str | None, Query(pattern=r"^([0-9a-f]{2})+$", max_length=1200, description="Where the page starts: from links.next.")] = None,
            limit: Limit = 100) -> Response:
        """A release package of compiled releases in ocid order, ``limit`` at a time; ``links.next`` gives the
        next page. With ``Accept: application/x-ndjson``, one compiled release per line and the next page in
        the ``Link`` header."""
        filters = Filters(year, buyer, supplier, procurement_method, regime, province, procedure_type, q, updated_since)
        for name, value in (("buyer", buyer), ("supplier", supplier)):
            if value is not None and api.privacy.hides(value):
                return problem(400, "Bad Request", f"{name}: natural persons' identifiers are masked in this API "
                                                   "(privacy.api.identifier); search by name with q instead")
        after = decode_cursor(cursor) if cursor is not None else None
        if q is None and updated_since is None:  # index range reads of at most `limit` rows: answered in the loop
            page = compiled_page(api.store, filters, after, limit)
        else:  # text and date searches sort what they match: in a thread, so they hold up no other request
            page = await run_in_threadpool(compiled_page, api.store, filters, after, limit)
        next_url = (_url(request, request.url.path, **filters.given(), cursor=encode_cursor(page[-1][0]), limit=limit)
                    if len(page) == limit else None)
        bodies = [row[1] for row in page]
        if _wants(request, NDJSON):
            headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
            return validated(request, b"".join(api.privacy.body(body) + b"\n" for body in bodies), NDJSON, max_age, headers)
        body = api.release_package(str(request.url), bodies, [row[2] for row in page], {"next": next_url} if next_url else None)
        return validated(request, body, "application/json", max_age)

    @app.get(PREFIX + "/changes", tags=["Harvesting"], summary="Releases added after a point", responses=openapi.CHANGES)
    async def changes_feed(request: Request,
                     after: Annotated[int, Query(ge=0, le=2**63 - 1, description="The position after which to list: 0 for the start, then from links.next.")] = 0,
                     limit: Limit = 100) -> Response:
        """A release package of the releases added to the store after ``after``, in the order they were
        added. ``links.next`` always gives where to continue: a page with no release means the harvester is
        current, and should ask ``links.next`` again later."""
        rows = changes(api.store, after, limit)
        last = rows[-1][0] if rows else after
        body = api.release_package(str(request.url), [row[1] for row in rows], [row[2] for row in rows],
                                   {"next": _url(request, request.url.path, after=last, limit=limit)})
        return validated(request, body, "application/json", CHANGES_MAX_AGE)

    @app.get(PREFIX + "/indicators", tags=["Indicators"], summary="Indicators by any grouping", responses=openapi.INDICATORS)
    def indicators(request: Request,
                   by: Annotated[str, Query(max_length=200, pattern=f"^({_GROUPING}(,{_GROUPING})*)?$",
                                            description=f"Comma-separated groupings: {', '.join(GROUPS)}.")] = "") -> Response:
        """The indicator table, as ``ocds-pipeline indicators --by`` computes it over the store's compiled
        releases (JSON; CSV with ``Accept: text/csv``): numerator, denominator, value and coverage per group."""
        from ..indicators import summarise

        groups = list(dict.fromkeys(group for group in by.split(",") if group))
        table = summarise(api.facts.get(), groups)
        if _wants(request, "text/csv"):
            return validated(request, table.to_csv(index=False).encode("utf-8"), "text/csv; charset=utf-8", max_age)
        body = table.to_json(orient="records", force_ascii=False).encode("utf-8")
        return validated(request, body, "application/json", max_age)

    @app.get(PREFIX + "/status", tags=["Harvesting"], summary="What the store holds", responses=openapi.STATUS)
    async def status(request: Request) -> Response:
        """Releases and processes in the store, the last release position, and how far the compiled releases
        and the search index are current (equal positions: current)."""
        counts = api.store.count()
        body = orjson.dumps({**counts, "latest": api.store.max_seq(), "indexed_through": api.store.compiled_through(),
                             "version": __version__})
        return validated(request, body, "application/json", CHANGES_MAX_AGE)

    @app.get(PREFIX, include_in_schema=False)
    @app.get(PREFIX + "/", include_in_schema=False)
    def browse(request: Request) -> Response:
        return validated(request, openapi.page(app.openapi(), str(request.base_url)), "text/html; charset=utf-8", max_age)

    _errors(app)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    if settings.publication is not None:
        app.mount("/", StaticFiles(directory=settings.publication, html=True, check_dir=False), name="publication")
    else:
        app.add_api_route("/", lambda: RedirectResponse(PREFIX + "/"), include_in_schema=False)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "OPTIONS"],
                       allow_headers=["If-None-Match", "Accept"], expose_headers=["ETag", "Link", "Retry-After"], max_age=86400)
    app.add_middleware(RateLimit, per_minute=config.api_rate_limit)
    app.add_middleware(Limits)
    return app


def _errors(app: FastAPI) -> None:
    """Every error as problem details: bad parameters 400 naming them, unknown paths 404, a query over the
    time limit 503, anything else 500 (logged, without details to the client)."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> Response:
        params = [{"name": str(e["loc"][-1]) if e.get("loc") else "request", "reason": e.get("msg", "invalid")}
                  for e in error.errors()]
        detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        return problem(400, "Bad Request", detail, invalid_params=params)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> Response:
        response = problem(error.status_code, _TITLES.get(error.status_code, "Error"), str(error.detail))
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path, exc_info=error)
        return problem(500, "Internal Server Error", "the server failed to answer; the failure is logged")

    @app.exception_handler(OperationalError)
    @app.exception_handler(Unavailable)
    async def slow(_request: Request, _error: Exception) -> Response:
        return problem(503, "Service Unavailable", "the query took longer than this server allows, or the store "
                       "is not reachable; narrow the filters or retry later", retry_after=5)


_TITLES = {404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 400: "Bad Request"}
__all__ = ["ApiSettings", "PROBLEM", "create_app"]
