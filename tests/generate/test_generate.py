from collections import Counter, defaultdict

import pytest

from ocds_pipeline.generate import generate
from ocds_pipeline.generate.lifecycle import load_mix
from tests.conftest import FIXTURES, read_table


def read(folder, table):
    return read_table(table, folder)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    generate(tmp_path / "a", 150, seed=9)
    generate(tmp_path / "b", 150, seed=9)
    generate(tmp_path / "c", 150, seed=10)
    for path in (tmp_path / "a").glob("*.csv"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    assert (tmp_path / "a" / "procedimientos.csv").read_bytes() != (tmp_path / "c" / "procedimientos.csv").read_bytes()


def test_bundled_fixtures_are_exactly_what_the_documented_command_writes(tmp_path):
    """fixtures/sercop = `ocds-pipeline generate --procedures 240 --seed 2026 --mix uniform`."""
    generate(tmp_path, 240, seed=2026, mix="uniform")
    for path in FIXTURES.glob("*.csv"):
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), f"{path.name} is stale"


def test_sercop_mix_follows_measured_weights(tmp_path):
    generate(tmp_path, 3000, seed=4)
    procedures = read(tmp_path, "procedimientos")
    catalogue = sum(p["tipo_procedimiento"].startswith("Catálogo electrónico") for p in procedures)
    weights = {t.name: t.weight for t in load_mix()}
    expected = sum(w for n, w in weights.items() if n.startswith("Catálogo")) / sum(weights.values())
    assert abs(catalogue / len(procedures) - expected) < 0.05
    bids = Counter((b["codigo_procedimiento"], b["lote"]) for b in read(tmp_path, "ofertas"))
    single = sum(1 for n in bids.values() if n == 1) / len(bids)
    assert 0.3 < single < 0.6  # SERCOP reported 39.2 % single-bidder procedures (Jan-Jun 2019)


def test_fixtures_cover_what_the_pipeline_must_handle():
    procedures = read(FIXTURES, "procedimientos")
    types = {p["tipo_procedimiento"].split(" en el convenio")[0] for p in procedures}
    assert types == {t.name for t in load_mix()}, "every SERCOP procedure type appears"
    assert any(p["tipo_procedimiento"].endswith("\r\n") for p in procedures), "catálogo names with suffix and CR/LF"
    assert any("/" in p["codigo"] for p in procedures), "codes with a slash"
    states = Counter(p["estado"] for p in procedures)
    assert states["Desierto"] and states["Cancelado"] and states["Finalizado"] and states["Ejecución de Contrato"]
    bids = Counter((b["codigo_procedimiento"], b["lote"]) for b in read(FIXTURES, "ofertas"))
    assert 1 in bids.values() and max(bids.values()) >= 3, "single-bid and multi-bid lots"
    awards = Counter(a["codigo_procedimiento"] for a in read(FIXTURES, "adjudicaciones"))
    assert max(awards.values()) >= 2, "procedures with several awards (lots)"
    assert any(not a["estado"] for a in read(FIXTURES, "adjudicaciones")), "awards without status"
    amended = {m["codigo_contrato"] for m in read(FIXTURES, "modificaciones_contrato")}
    paid = {p["codigo_contrato"] for p in read(FIXTURES, "pagos")}
    assert amended & paid, "contracts with amendments and payments"
    assert {s["tipo_persona"] for s in read(FIXTURES, "proveedores")} == {"natural", "juridica"}
    per_project = defaultdict(int)
    for p in procedures:
        if p["codigo_proyecto"]:
            per_project[p["codigo_proyecto"]] += 1
    assert len(per_project) >= 3 and min(per_project.values()) >= 2, "3+ works projects, several procedures each"
    documented = {d["codigo_procedimiento"] for d in read(FIXTURES, "documentos")}
    assert len(documented) < len(procedures), "some procedures have no documents"


def test_generator_validates_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="procedures must be at least 1"):
        generate(tmp_path, 0)
    with pytest.raises(ValueError, match="unknown dialect 'csv'"):
        generate(tmp_path, 5, dialect="csv")
