"""OCDS 1.0 releases, upgraded to 1.1 as they are read (with ocdskit, the reference upgrader).

1.0 put whole organizations in ``buyer``, ``procuringEntity``, ``tenderers`` and ``suppliers``
(1.1 keeps them in ``parties`` and references them by id), a single ``amendment`` per tender,
award or contract, and transactions with ``amount`` and provider/receiver identifiers. A package
that declares ``version`` says which it is; a release read without that (JSON Lines, a bare
release, or a package whose ``version`` comes after its releases) is upgraded only when it has
one of those 1.0 shapes and no ``parties`` — upgrading a 1.1 release would rename its parties.
"""

from __future__ import annotations

from typing import Any

from ..ocdsvalues import obj, objs

_REFERENCE_KEYS = {"id", "name"}
_TRANSACTION_10_KEYS = {"amount", "providerOrganization", "receiverOrganization"}


def _organizations(release: dict[str, Any]) -> list[dict[str, Any]]:
    found = [obj(release, "buyer"), obj(release, "tender", "procuringEntity"), *objs(release, "tender", "tenderers")]
    for award in objs(release, "awards"):
        found += objs(award, "suppliers")
    return found


def _has_10_shape(release: dict[str, Any]) -> bool:
    if any(set(org) - _REFERENCE_KEYS for org in _organizations(release)):
        return True
    sections = [obj(release, "tender"), *objs(release, "awards"), *objs(release, "contracts")]
    if any("amendment" in section for section in sections):
        return True
    return any(_TRANSACTION_10_KEYS & set(transaction) for contract in objs(release, "contracts")
               for transaction in objs(contract, "implementation", "transactions"))


def is_10(release: dict[str, Any], declared_version: str | None) -> bool:
    """Whether ``release`` is OCDS 1.0, given the version its package declared (None: not known)."""
    if "parties" in release:
        return False
    if declared_version is not None:
        return declared_version == "1.0"
    return _has_10_shape(release)


def upgrade_10(release: dict[str, Any]) -> None:
    """Upgrade a 1.0 release to 1.1 in place: parties built from its organizations, references by id.

    ocdskit is imported on the first 1.0 release: it brings ocdsmerge, jsonref and requests, a fifth of a
    second that every command reading OCDS would otherwise pay to start."""
    from ocdskit.upgrade import upgrade_release_10_11

    upgrade_release_10_11(release, reorder=False)
