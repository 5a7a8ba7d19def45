"""A procedure the mapping cannot express is rejected together with every row that belongs to it."""

import csv
import shutil

from ocds_pipeline.config import Config
from ocds_pipeline.mapping import MappingStats, map_source
from ocds_pipeline.sources import Accounting, RejectLog
from tests.conftest import BAD


def test_unknown_procedure_type_rejects_the_procedure_and_its_rows(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    path = source / "procedimientos.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",Licitación,", ",Licitación Internacional,"), encoding="utf-8")
    rejects, accounting, stats = RejectLog(), Accounting(), MappingStats()
    releases = list(map_source(source, Config(), rejects=rejects, accounting=accounting, stats=stats))

    # LICO-GADMQ-2024-00001 has 1 item, 2 bids, 1 award, 1 contract, 1 amendment, 1 payment, 1 document.
    by_table = {}
    for reject in rejects.examples:
        by_table[reject.table] = by_table.get(reject.table, 0) + 1
        assert reject.stage == "mapping"
    assert by_table == {"procedimientos": 1, "items": 1, "ofertas": 2, "adjudicaciones": 1, "contratos": 1,
                        "documentos": 1, "modificaciones_contrato": 1, "pagos": 1}
    first = rejects.examples[0]
    assert (first.line, first.column, first.value) == (2, "tipo_procedimiento", "Licitación Internacional")
    child = next(r for r in rejects.examples if r.table == "ofertas")
    assert child.value == "LICO-GADMQ-2024-00001"
    assert child.reason.startswith("its procedure LICO-GADMQ-2024-00001 was rejected by the mapping: unknown procedure type")
    assert accounting.balanced()
    for name in by_table:
        with open(source / f"{name}.csv", encoding="utf-8", newline="") as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        count = accounting.tables[name]
        assert count.read == rows and count.accepted + count.rejected == rows
    assert {r["ocid"] for r in releases} == {"ocds-5wno2w-SIE-GADMQ-2024-00002"}
    assert stats.unused == {"entidades": 0, "proveedores": 2, "proyectos": 1}
