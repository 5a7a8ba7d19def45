import pytest
import yaml

from ocds_pipeline.mapping.engine import MappingError, apply, load_section


def section(tmp_path, fields, name="s", **extra):
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({"description": "test", "fields": fields, **extra}))
    return load_section(name, directory=tmp_path)


def test_paths_transforms_and_omitted_empties(tmp_path):
    s = section(tmp_path, [
        {"path": "tender/id", "source": "procedure.codigo"},
        {"path": "tender/title", "source": "procedure.objeto", "transform": "text"},
        {"path": "tender/value", "source": "procedure.presupuesto", "transform": "value"},
        {"path": "tender/description", "source": "procedure.descripcion", "transform": "text"},
        {"path": "language", "const": "es"},
    ])
    from decimal import Decimal
    built = s.apply({"procedure": {"codigo": "C-1", "objeto": "  Pupitres \r\n", "presupuesto": Decimal("10.50"),
                                   "descripcion": "   "}})
    assert built == {"tender": {"id": "C-1", "title": "Pupitres", "value": {"amount": 10.5, "currency": "USD"}},
                     "language": "es"}


def test_arrays_nested_sources_and_includes(tmp_path):
    section(tmp_path, [{"path": "id", "source": "doc.numero", "transform": "string"}], name="docs")
    s = section(tmp_path, [
        {"path": "awards", "for_each": "awards", "as": "award", "fields": [
            {"path": "id", "source": "award.id"},
            {"path": "suppliers", "for_each": "award.suppliers", "as": "supplier",
             "fields": [{"path": "name", "source": "supplier.nombre"}]},
            {"path": "documents", "for_each": "award.docs", "as": "doc", "include": "docs"},
        ]},
    ])
    ctx = {"awards": [{"id": "A1", "suppliers": [{"nombre": "X"}], "docs": [{"numero": 3}]}, {"id": "A2"}]}
    assert s.apply(ctx) == {"awards": [{"id": "A1", "suppliers": [{"name": "X"}], "documents": [{"id": "3"}]}, {"id": "A2"}]}
    assert "award" not in ctx  # bindings do not leak out of the loop


@pytest.mark.parametrize("fields,message", [
    ([{"source": "a.b"}], "every rule needs a path"),
    ([{"path": "x", "source": "a.b", "transform": "nope"}], "unknown transform 'nope'"),
    ([{"path": "x", "source": "ab"}], "must be <binding>.<column>"),
    ([{"path": "x", "for_each": "items", "fields": []}], "for_each needs `as`"),
    ([{"path": "x"}], "needs source, sources, const or for_each"),
    ([{"path": "x", "source": "a.b", "sorce": 1}], "unknown keys ['sorce']"),
])
def test_malformed_mappings_fail_clearly(tmp_path, fields, message):
    with pytest.raises(MappingError) as error:
        section(tmp_path, fields)
    assert message in str(error.value)


def test_a_mapping_file_must_have_fields(tmp_path):
    (tmp_path / "empty.yaml").write_text("description: nothing\n")
    with pytest.raises(MappingError, match="a mapping with a `fields` list"):
        load_section("empty", directory=tmp_path)


def test_missing_bindings_and_values_leave_fields_out(tmp_path):
    s = section(tmp_path, [{"path": "tender/id", "source": "procedure.codigo"},
                           {"path": "tender/value", "source": "procedure.presupuesto", "transform": "value"},
                           {"path": "items", "for_each": "items", "as": "item", "fields": [{"path": "id", "source": "item.n"}]}])
    assert s.apply({}) == {}                                   # no procedure, no items: nothing, and no error
    assert s.apply({"procedure": None, "items": None}) == {}
    assert s.apply({"procedure": {"codigo": "C-1"}, "items": [{}, {"n": "2"}]}) == {
        "tender": {"id": "C-1"}, "items": [{"id": "2"}]}     # an element with nothing in it is left out
    assert apply(s.rules, {"procedure": {"codigo": "C-2"}}) == {"tender": {"id": "C-2"}}
