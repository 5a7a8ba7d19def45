import pytest

from ocds_pipeline.procedure_types import ProcedureType, ProcedureTypes, default_procedure_types, normalise
from tests.procedure_law import PROCEDURE_TYPES


@pytest.mark.parametrize("name", sorted(PROCEDURE_TYPES))
def test_every_procedure_type_has_the_method_and_regime_of_the_law(name):
    """Against an oracle written from the law (tests/procedure_law.py), not from the codelist."""
    found = default_procedure_types().classify(name)
    assert (found.procurement_method, found.regime) == PROCEDURE_TYPES[name]


def test_the_codelist_and_the_oracle_name_the_same_types():
    assert {row.name for row in default_procedure_types().rows} == set(PROCEDURE_TYPES)


def test_every_codelist_row_classifies_to_itself():
    types = default_procedure_types()
    for row in types.rows:
        assert types.classify(row.name) is row


@pytest.mark.parametrize("raw,expected", [
    ("Catálogo electrónico - Compra directa en el convenio SICM-185-2011, ADQUISICION DE …\r\n",
     "Catálogo electrónico - Compra directa"),
    ("CATALOGO ELECTRONICO – MEJOR OFERTA", "Catálogo electrónico - Mejor oferta"),
    ("Comunicación Social - Contratación Directa", "Comunicación Social – Contratación Directa"),
    ("Contratación directa", "Contratacion directa"),
    ("  subasta inversa electronica ", "Subasta Inversa Electrónica"),
    ("Catálogo electrónico - Gran compra puja en el convenio X", "Catálogo electrónico - Gran compra puja"),
])
def test_spelling_variants_and_catalogue_suffixes(raw, expected):
    assert default_procedure_types().classify(raw).name == expected


def test_unknown_and_empty_names_are_not_guessed():
    types = default_procedure_types()
    assert types.classify("Ínfima Cuantía") is None
    assert types.classify("Subasta Inversa Electrónica con sufijo") is None  # exact-match types need equality
    assert types.classify("") is None and types.classify(None) is None


def test_normalise():
    assert normalise("Comunicación  Social –Contratación") == "comunicacion social - contratacion"


def test_the_longest_catalogue_prefix_wins_whatever_the_row_order():
    """'Gran compra' rows start like a shorter name would: the more specific row must win."""
    short = ProcedureType("Catálogo electrónico - Gran compra", "catalogo", "selective", "common", "prefix", "")
    long = ProcedureType("Catálogo electrónico - Gran compra puja", "catalogo", "selective", "common", "prefix", "")
    for rows in ([short, long], [long, short]):
        types = ProcedureTypes(rows)
        assert types.classify("Catálogo electrónico - Gran compra puja en el convenio X") is long
        assert types.classify("Catálogo electrónico - Gran compra mejor oferta") is short


def test_a_codelist_file_with_accents_and_line_breaks_in_fields(tmp_path):
    path = tmp_path / "types.csv"
    path.write_bytes("procedure_type,family,procurement_method,regime,match,legal_basis\r\n"
                     'Contratación de Seguros,especial,direct,special,exact,"LOSNCP art. 2\r\nnumeral 8"\r\n'
                     .encode("utf-8"))
    row = ProcedureTypes.load(path).classify("CONTRATACION DE SEGUROS")
    assert (row.name, row.legal_basis) == ("Contratación de Seguros", "LOSNCP art. 2\r\nnumeral 8")
