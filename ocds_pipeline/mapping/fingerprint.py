"""What a process's mapping depends on, as one digest: the same digest, the same releases.

A process's releases are a function of its own source rows (its bundle), the lookup rows it reads
(its entity, its works project, its suppliers), the mapping (the files under ``mappings/sercop``,
the code that applies them) and the ocid prefix. Daily runs keep this digest per process in the
store, and do not map again a process whose digest was already reconciled (docs/store.md).
"""

from __future__ import annotations

import hashlib

from .. import __version__
from ..resources import files_digest
from ..sources.bundles import Bundle, Staging

# The code between a staged row and a release: a change to any of it may change the releases.
CODE = ("ocds_pipeline/mapping", "ocds_pipeline/sources/bundles.py", "ocds_pipeline/codelists.py",
        "ocds_pipeline/procedure_types.py")


def mapping_fingerprint(ocid_prefix: str, source: str = "sercop") -> bytes:
    """A digest of everything a mapping depends on besides the source rows: the mapping files, the code
    that applies them, the package's version and the ocid prefix."""
    return files_digest([f"mappings/{source}", *CODE], f"{__version__}\n{ocid_prefix}\n".encode())


def source_digest(bundle: Bundle, staging: Staging, fingerprint: bytes) -> str:
    """The digest of what one process's mapping reads: its rows, its lookup rows and the mapping's fingerprint."""
    digest = hashlib.blake2b(fingerprint, digest_size=16)
    digest.update(bundle.digest)
    digest.update(staging.digest("entidades", bundle.procedure["ruc_entidad"]))
    digest.update(staging.digest("proyectos", bundle.procedure.get("codigo_proyecto")) or b"-" * 16)
    for ruc in sorted(bundle.supplier_rucs()):
        digest.update(staging.digest("proveedores", ruc) or b"-" * 16)
    return digest.hexdigest()
