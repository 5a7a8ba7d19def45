"""Passwords never leave the process: database URLs are shown with their password replaced.

Every place that shows a location or an error to people or files (CLI errors, summary.json, the
store's run log) passes it through :func:`redact`; a driver's message may quote the URL too.
"""

from __future__ import annotations

import re
from pathlib import Path

_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^/@\s:]*:)[^\s/]*(?P<at>@)", re.IGNORECASE)
_PARAMETER = re.compile(r"(?P<head>\bpassword\s*=\s*)(?:'[^']*'|\"[^\"]*\"|[^&\s;,)]+)", re.IGNORECASE)


def redact(text: str | Path) -> str:
    """``text`` with the password of any URL (``scheme://user:password@host``) or ``password=`` parameter
    replaced by ``***``."""
    shown = _USERINFO.sub(r"\g<head>***\g<at>", str(text))
    return _PARAMETER.sub(r"\g<head>***", shown)
