"""Stage 8 — the API: OCDS records, releases, compiled releases (filtered, cursor-paged), a change feed
and the indicators, read from the release store, with the publication served at ``/`` (docs/api.md).

``create_app(ApiSettings(store_url))`` gives the ASGI application; ``serve(settings)`` runs it under
uvicorn; ``ocds-pipeline serve`` is the command.
"""

from .app import ApiSettings, create_app
from .server import serve

__all__ = ["ApiSettings", "create_app", "serve"]
