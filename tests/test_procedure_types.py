import pytest

from ocds_pipeline.procedure_types import default_procedure_types, normalise
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
