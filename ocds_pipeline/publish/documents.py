"""The publication's documents: licence, publication policy (es/en), data dictionary, annexes, and
this project's own extensions, served where its packages say they are.

Texts come from templates in ``schemas/publication/`` filled from the configuration and from what
the store holds, so the policy states the publication's real coverage.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from string import Template
from typing import Any

from ..config import Config
from ..extensions import LOCAL_EXTENSIONS_DIR
from ..privacy import describe, resolve
from ..resources import data_path
from .tables import Tables

FREQUENCIES = {"daily": ("Diaria", "Daily"), "weekly": ("Semanal", "Weekly"), "monthly": ("Mensual", "Monthly")}
DICTIONARY_COLUMNS = ["file", "column", "title_en", "path", "type", "description_es", "description_en"]


def license_text(config: Config) -> str:
    return (f"{config.license_title}\n{config.license}\n\n"
            f"Los datos de esta publicación se pueden copiar, redistribuir y adaptar para cualquier fin, "
            f"incluso comercial, citando la fuente:\n\n    {config.license_attribution}\n\n"
            f"The data of this publication may be copied, redistributed and adapted for any purpose, "
            f"commercial included, crediting the source as above.\n\n"
            f"Publicador / publisher: {config.publisher_name} ({config.publisher_uri})\n")


def policy(config: Config, language: str, facts: dict[str, Any], extensions: list[str]) -> str:
    """The publication policy in ``language`` (es or en), with the publication's coverage in ``facts``."""
    template = Template(data_path("schemas", "publication", f"policy.{language}.md").read_text(encoding="utf-8"))
    frequency_es, frequency_en = FREQUENCIES.get(config.update_frequency, (config.update_frequency,) * 2)
    listed = "\n".join(f"- {url}" for url in extensions) or "-"
    return template.substitute(
        publisher=config.publisher_name, publisher_uri=config.publisher_uri, license=config.license,
        license_title=config.license_title, attribution=config.license_attribution, contact=config.contact_email,
        ocid_prefix=config.ocid_prefix, frequency_es=frequency_es, frequency_en=frequency_en, extensions=listed,
        privacy=describe(resolve(config.privacy), language), **facts)


def dictionary_rows(tables: Tables) -> list[list[Any]]:
    """One row per column of every CSV table: its file, Spanish and English titles, path, type, descriptions."""
    rows = []
    for column in tables.contratos["columns"]:
        rows.append(["contratos.csv", column["title_es"], column["title_en"], "", column["type"],
                     column["description_es"], column["description_en"]])
    for table in tables.ocds:
        for column in table.columns:
            rows.append([f"ocds/{table.name}.csv", column.title_es, column.title_en, column.pointer, column.type,
                         column.description_es, column.description_en])
    return rows


def copy_extensions(root: Path, names: tuple[str, ...]) -> list[str]:
    """Copy this project's own extensions among ``names`` to ``extensions/<name>/`` (their declared URLs);
    the paths written. Upstream extensions are served by their authors."""
    written = []
    for name in names:
        source = data_path(*LOCAL_EXTENSIONS_DIR) / name
        if not source.is_dir():
            continue
        target = root / "extensions" / name
        shutil.copytree(source, target)
        written += [str(path.relative_to(root)) for path in sorted(target.rglob("*")) if path.is_file()]
    return written
