"""One configuration object, loaded once (defaults ← YAML file) and passed down to every stage."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from .resources import read_yaml


class ConfigError(Exception):
    """The configuration file is unreadable or has unknown or mistyped keys."""


@dataclass(frozen=True)
class Config:
    """Publisher identity, identifiers and limits; every field has a documented default."""

    publisher_name: str = "Servicio Nacional de Contratación Pública (SERCOP)"
    publisher_uid: str = "ocds-5wno2w"
    publisher_scheme: str = "OCDS"
    publisher_uri: str = "https://www.compraspublicas.gob.ec"
    ocid_prefix: str = "ocds-5wno2w"
    # OC4IDS project ids are <oc4ids_prefix><project code>; request a registered prefix from the
    # OC4IDS helpdesk. The default reuses SERCOP's OCDS prefix code.
    oc4ids_prefix: str = "oc4ids-5wno2w-"
    license: str = "https://creativecommons.org/licenses/by/3.0/ec/"
    # The packages' publicationPolicy; empty: the policy the publication itself carries ({base_uri}policy.es.md).
    publication_policy: str = ""
    base_uri: str = "https://datosabiertos.compraspublicas.gob.ec/PLATAFORMA/ocds/"
    # The release store: an SQLite file or a PostgreSQL URL (postgresql://user@host/db).
    store_url: str = "sqlite:///ocds-store.sqlite"
    # A run fails (exit code 1) when more than this share of source rows is rejected.
    max_reject_rate: float = 0.01
    # The longest source line (CSV) or value (SQL), in bytes; a longer one is rejected alone.
    max_field_size: int = 1 << 20
    # What the OCDS readers refuse (docs/reliability.md): JSON nested deeper than this (at most 250),
    # an input file or archive member larger than this once decompressed, a zip archive of more
    # files, a member or gzip file that decompresses to more than this many times its size.
    max_nesting: int = 200
    max_input_bytes: int = 256 << 30
    max_zip_members: int = 10_000
    max_compression_ratio: int = 1_000
    # The publication (docs/publication.md): licence, contact and limits of the bulk files.
    license_title: str = "Creative Commons Atribución 3.0 Ecuador (CC BY 3.0 EC)"
    license_attribution: str = ("Fuente: Servicio Nacional de Contratación Pública (SERCOP), datos abiertos de "
                                "contratación pública en el Estándar de Datos de Contrataciones Abiertas (OCDS).")
    contact_email: str = "datosabiertos@compraspublicas.gob.ec"
    update_frequency: str = "daily"
    # Where a person reads one process ({ocid} is replaced): the contratos table's link column.
    process_url: str = "https://datosabiertos.compraspublicas.gob.ec/PLATAFORMA/api/record?ocid={ocid}"
    # No OCDS file of the publication is larger than this, uncompressed (OCDS guidance: 1 GB).
    max_file_bytes: int = 1_000_000_000
    # Excel's row limit (1,048,576 rows, one of them the header): a larger table gets no workbook.
    xlsx_max_rows: int = 1_048_575
    # Write the CSV tables with a UTF-8 byte order mark (for Excel on Windows opening them directly).
    csv_bom: bool = False
    # The API (docs/api.md): the largest page, requests a minute per client (0: no limit), how long a
    # response may be cached (the data changes once a day: an hour keeps clients close behind a run)
    # and how long one database query may take.
    api_max_limit: int = 1000
    api_rate_limit: int = 600
    api_cache_seconds: int = 3600
    api_timeout_seconds: float = 10.0
    # Natural persons' address, telephone, e-mail and identifier, per output (docs/privacy.md): e.g.
    # {site: {identifier: mask}}; unset outputs and fields keep schemas/publication/privacy.yaml's defaults.
    privacy: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def policy_url(self) -> str:
        """Where the publication policy is read: the configured URL, else the publication's own."""
        return self.publication_policy or f"{self.base_uri}policy.es.md"


LIMITS = ("max_field_size", "max_nesting", "max_input_bytes", "max_zip_members", "max_compression_ratio")


def load_config(path: Path | None = None, **overrides: Any) -> Config:
    """Read ``path`` (YAML mapping of Config fields) over the defaults, then apply ``overrides``."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = read_yaml(Path(path)) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read config {path}: {error}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"config {path} must be a mapping of settings")
        values.update(loaded)
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name: f for f in fields(Config)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown config keys: {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    for name, value in values.items():
        expected = type(getattr(Config(), name))
        if expected is float and isinstance(value, int):
            values[name] = float(value)
        elif not isinstance(values[name], expected):
            raise ConfigError(f"config key {name!r} must be {expected.__name__}, got {value!r}")
    limits = {name: values[name] for name in LIMITS if name in values}
    if any(value < 1 for value in limits.values()) or limits.get("max_nesting", 0) > 250:
        raise ConfigError(f"config keys {', '.join(LIMITS)} must be positive, and max_nesting at most 250 "
                          f"(orjson reads no deeper); got {limits}")
    from .privacy import PrivacyError, resolve  # here: privacy reads sources/, whose readers read Config

    try:
        resolve(values.get("privacy", {}))
    except PrivacyError as error:
        raise ConfigError(str(error)) from None
    return Config(**values)
