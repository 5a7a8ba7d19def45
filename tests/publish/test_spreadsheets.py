"""A table's JSON copy written row by row (ocds_pipeline.publish.spreadsheets.JsonTable)."""

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_pipeline.publish.spreadsheets import JsonTable

values = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False)
                      | st.text(alphabet=st.characters(codec="utf-8")),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                      max_leaves=8)
rows = st.lists(st.dictionaries(st.text(max_size=8), values, max_size=6), max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows=rows)
def test_rows_written_one_by_one_are_the_bytes_of_the_whole_list(tmp_path_factory, rows):
    """Text with line breaks, nested values and the empty table included."""
    path = tmp_path_factory.mktemp("json") / "table.json"
    table = JsonTable(path)
    for row in rows:
        table.add(row)
    table.close()
    assert path.read_bytes() == orjson.dumps(rows, option=orjson.OPT_INDENT_2)
    assert table.rows == len(rows)


def test_an_aborted_table_leaves_nothing(tmp_path):
    table = JsonTable(tmp_path / "table.json")
    table.add({"a": 1})
    table.abort(RuntimeError("the rows failed"))
    assert list(tmp_path.iterdir()) == []
