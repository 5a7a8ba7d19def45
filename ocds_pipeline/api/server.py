"""Run the API under uvicorn, a production ASGI server, with one application per worker process."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from fastapi import FastAPI

from ..config import Config
from .app import ApiSettings, create_app

_ENVIRONMENT = "OCDS_PIPELINE_API_SETTINGS"


def from_environment() -> FastAPI:
    """The application of one worker, from the settings :func:`serve` handed to it (uvicorn's factory)."""
    values = json.loads(os.environ[_ENVIRONMENT])
    publication = Path(values["publication"]) if values["publication"] else None
    return create_app(ApiSettings(values["store_url"], publication, Config(**values["config"])))


def serve(settings: ApiSettings, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
          access_log: bool = True) -> None:
    """Serve until interrupted. Each worker opens the store itself (a pool of connections per worker)."""
    import uvicorn

    os.environ[_ENVIRONMENT] = json.dumps({"store_url": settings.store_url, "config": asdict(settings.config),
                                           "publication": str(settings.publication) if settings.publication else None})
    uvicorn.run("ocds_pipeline.api.server:from_environment", factory=True, host=host, port=port, workers=workers,
                access_log=access_log, timeout_keep_alive=15, limit_concurrency=2048, proxy_headers=False,
                server_header=False, log_level="info")
