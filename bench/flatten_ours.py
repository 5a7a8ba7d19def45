"""The publication's flattener alone, for the side-by-side with flatten-tool and flatterer: compiled
releases (JSON Lines, plain or .gz) → the contratos and ocds_* CSV tables and one Excel workbook."""

from __future__ import annotations

import gzip
import sys
from datetime import datetime
from pathlib import Path

import orjson

from ocds_pipeline.config import Config
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.procedure_types import ProcedureTypes
from ocds_pipeline.publish.contracts import ContractRows
from ocds_pipeline.publish.tables import Tables
from ocds_pipeline.publish.yearly import YearSpreadsheets
from ocds_pipeline.schemas import SchemaResolver


def main(source: Path, out: Path) -> None:
    config = Config()
    tables = Tables(patched_release_schema(SchemaResolver.from_env(), base_uri=config.base_uri))
    sheets = YearSpreadsheets(out, "all", tables, ContractRows(tables, config, ProcedureTypes.load()), bom=False,
                              max_rows=config.xlsx_max_rows, dated=datetime(2026, 1, 1))
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as lines:
        for line in lines:
            sheets.add(orjson.loads(line))
    result = sheets.close()
    print(sum(result.rows.values()), "rows;", result.note or "workbook written")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
