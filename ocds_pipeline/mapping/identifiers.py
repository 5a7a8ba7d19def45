"""OCIDs and file names from SOCE procedure codes: stable, injective, and safe where they are used."""

from __future__ import annotations

from urllib.parse import quote

# Characters kept as they are in an ocid. '/' stays because SERCOP's existing ocids keep it;
# everything else (spaces, '#', '%', accents…) is percent-encoded, so distinct codes never collide.
OCID_SAFE = "-._~:/()"


def make_ocid(prefix: str, code: str) -> str:
    """``<prefix>-<code>``, percent-encoding characters that do not belong in an identifier."""
    return f"{prefix}-{quote(code.strip(), safe=OCID_SAFE)}"


def safe_filename(identifier: str) -> str:
    """A file name for an ocid or project id: only ``[A-Za-z0-9._~-]``, others percent-encoded."""
    return quote(identifier, safe="-._")
