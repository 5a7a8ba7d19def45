"""The merger equals ocdsmerge (the OCDS reference implementation) on arbitrary release histories."""

import warnings

import ocdsmerge
import ocdsmerge.exceptions
import pytest
from hypothesis import event, given, settings, strategies as st

from ocds_pipeline.compile import MergeConflict, MergeError, Merger
from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import examples


@pytest.fixture(scope="module")
def mergers():
    schema = patched_release_schema(SchemaResolver.from_env())
    return Merger(schema), ocdsmerge.Merger(schema)


text = st.one_of(st.none(), st.sampled_from(["", "a", "b", "Pupitres", "Ñandú señal", "数据", "\u00e9\u0301"]),
                 st.text(max_size=5))
amount = st.one_of(st.none(), st.integers(0, 3), st.floats(0, 10, allow_nan=False))
ids = st.sampled_from(["1", "2", "3", 1, 2])  # string and integer ids: 1 and "1" are one object
value = st.one_of(st.none(), st.fixed_dictionaries({}, optional={"amount": amount, "currency": st.sampled_from(["USD", None])}))
item = st.fixed_dictionaries({"id": ids},
                             optional={"description": text, "quantity": amount, "unit": st.fixed_dictionaries({}, optional={"name": text, "value": value})})
no_id_object = st.fixed_dictionaries({}, optional={"description": text, "url": text})
award = st.fixed_dictionaries({"id": st.sampled_from(["A", "B", 1])},
                              optional={"status": st.sampled_from(["active", "cancelled", None]), "value": value,
                                        "items": st.one_of(st.none(), st.lists(item, max_size=3)),
                                        "suppliers": st.lists(st.fixed_dictionaries({"id": st.sampled_from(["S1", "S2", 7])}, optional={"name": text}), max_size=2)})
party = st.fixed_dictionaries({"id": st.sampled_from(["P1", "P2"])},
                              optional={"name": text, "roles": st.one_of(st.none(), st.lists(st.sampled_from(["buyer", "supplier", "payer"]), max_size=3, unique=True))})
extra = st.recursive(st.one_of(st.none(), st.integers(0, 3), text),
                     lambda children: st.one_of(st.dictionaries(st.sampled_from(["x", "y"]), children, max_size=2),
                                                st.lists(st.dictionaries(st.sampled_from(["id", "z"]), st.sampled_from(["1", "2", 1]), max_size=2), max_size=2)),
                     max_leaves=4)
tender = st.one_of(st.none(), st.fixed_dictionaries({}, optional={
    "id": st.sampled_from(["T", 5]), "title": text, "status": st.sampled_from(["active", "complete", None]),
    "value": value, "items": st.one_of(st.none(), st.lists(item, max_size=3)), "documents": st.lists(no_id_object, max_size=2),
    "additionalProcurementCategories": st.one_of(st.none(), st.lists(st.sampled_from(["goods", "works"]), max_size=2)),
    "submissionMethod": st.lists(st.sampled_from(["electronicSubmission", "written"]), max_size=2),
}))
release = st.fixed_dictionaries(
    {"ocid": st.just("ocds-5wno2w-X"),
     # few dates, so that equal dates (kept in input order) are common
     "date": st.sampled_from(["2024-01-01T00:00:00-05:00", "2024-01-02T00:00:00-05:00", "2024-01-03T00:00:00-05:00"]),
     "id": st.sampled_from(["r1", "r2", "r3", "r4"]), "tag": st.just(["tender"])},
    optional={"tender": tender, "awards": st.one_of(st.none(), st.lists(award, max_size=2)), "parties": st.lists(party, max_size=2),
              "language": text, "x_local": extra, "buyer": st.one_of(st.none(), st.fixed_dictionaries({}, optional={"id": text, "name": text}))},
)


def _kind(value) -> str | None:
    """The shape the merge rules see: an object, an array of objects, a whole value, or null (None: nothing)."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object" if value else None
    if isinstance(value, list):
        if not value:
            return None
        return "objects" if all(isinstance(v, dict) for v in value) else "values"
    return "value"


def _values_at(value, path):
    if not path:
        yield value
        return
    if isinstance(value, list):
        for element in value:
            yield from _values_at(element, path)
    elif isinstance(value, dict) and path[0] in value:
        yield from _values_at(value[path[0]], path[1:])


def refusal_is_right(releases, path, versioned: bool) -> bool:
    """Whether the releases really change the kind of the value at ``path`` (for the versioned
    release, a null before an object or array counts: the reference builds a mixed list or fails)."""
    kinds = {_kind(v) for r in releases for v in _values_at(r, path)} - {None}
    containers = kinds & {"object", "objects"}
    return bool(containers) and (len(kinds - {"null"}) > 1 or (versioned and "null" in kinds))


def _paths(value, path=()):
    """Every path (array indexes left out) in a release."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,)
            yield from _paths(item, path + (key,))
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, path)


def kind_changes(releases, versioned: bool) -> bool:
    """Whether some path changes kind (where a merge is ill-defined and refusing is right)."""
    return any(refusal_is_right(releases, path, versioned) for path in {p for r in releases for p in _paths(r)})


def _ids(value, path=(), seen=None):
    """Each array path's ids, as (string, type) pairs."""
    seen = {} if seen is None else seen
    if isinstance(value, dict):
        for key, item in value.items():
            _ids(item, path + (key,), seen)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and "id" in item and item["id"] is not None:
                seen.setdefault(path, set()).add((str(item["id"]), type(item["id"])))
            _ids(item, path, seen)
    return seen


def mixed_ids(releases) -> bool:
    """Whether some array holds ids equal as strings but of different types (1 and "1")."""
    seen = _ids(releases)
    return any(len({t for s, t in pairs if s == string}) > 1 for pairs in seen.values() for string, _ in pairs)


def as_strings(value):
    """Every id of an object in an array as a string (how ours matches them)."""
    if isinstance(value, dict):
        return {k: as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [{**as_strings(v), "id": str(v["id"])} if isinstance(v, dict) and v.get("id") is not None else as_strings(v)
                for v in value]
    return value


@settings(max_examples=examples(300))
@given(releases=st.lists(release, min_size=1, max_size=5))
def test_compiled_and_versioned_equal_ocdsmerge(mergers, releases):
    """Compared with ocdsmerge on every example; where we refuse, the reference's result is ill-defined.

    Where ids differ only in type (1 and "1"), ours merges them as one object, and ocdsmerge
    shares only the fields both set: ours then equals ocdsmerge on the same releases with string ids.
    """
    mine, reference = mergers
    mixed = mixed_ids(releases)
    event("mixed id types" if mixed else "ids of one type")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns about repeated ids within one array
        for ours, theirs, versioned in ((mine.compiled, reference.create_compiled_release, False),
                                        (mine.versioned, reference.create_versioned_release, True)):
            ill_defined = kind_changes(releases, versioned)
            try:
                result = ours(releases)
            except MergeConflict as conflict:
                event("refused")
                assert refusal_is_right(releases, conflict.path, versioned), conflict
                continue
            if ill_defined:
                # A value changes kind: the reference fails or builds a record mixing the two
                # shapes (a list of versions and objects); there is nothing to compare with.
                event("ill-defined: not compared")
                continue
            event("compared")
            expected = theirs(as_strings(releases) if mixed else releases)
            assert (as_strings(result) if mixed else result) == expected


def test_ids_equal_as_strings_are_one_object(mergers):
    """The issue's case: an award id 1, then "1", made the whole process fail to compile."""
    mine, reference = mergers
    releases = [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "awards": [{"id": 1, "title": "a", "status": "pending"}]},
                {"ocid": "o", "id": "2", "date": "2024-01-02T00:00:00Z", "awards": [{"id": "1", "status": "active"}]}]
    assert mine.compiled(releases)["awards"] == [{"id": 1, "title": "a", "status": "active"}]
    # ocdsmerge merges a field both releases set, and keeps the first id: the same here.
    assert mine.compiled(releases)["awards"][0]["status"] == reference.create_compiled_release(releases)["awards"][0]["status"]
    assert [v["value"] for v in mine.versioned(releases)["awards"][0]["status"]] == ["pending", "active"]
    one = [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "tender": {"id": "T", "items": [{"id": "1"}, {"id": 1}]}}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge: "Multiple objects have the `id` value '1'"
        assert mine.compiled(one) == reference.create_compiled_release(one)   # one item, id "1"
        assert mine.versioned(one) == reference.create_versioned_release(one)


@pytest.mark.parametrize("later", [{"tender": {"id": "T", "value": None}}, {"awards": None}, {"tender": None}])
def test_a_null_never_removes_an_object_or_array_in_either_merge(mergers, later):
    """The issue's case: the versioned merge failed on "value": null or "awards": null after an object or array."""
    mine, reference = mergers
    releases = [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z",
                 "tender": {"id": "T", "value": {"amount": 1, "currency": "USD"}}, "awards": [{"id": "A"}]},
                {"ocid": "o", "id": "2", "date": "2024-01-02T00:00:00Z", **later}]
    assert mine.compiled(releases) == reference.create_compiled_release(releases)
    assert mine.versioned(releases) == reference.create_versioned_release(releases)
    assert mine.compiled(releases)["tender"]["value"] == {"amount": 1, "currency": "USD"}


def test_equal_dates_keep_input_order(mergers):
    mine, _ = mergers
    first = {"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "tender": {"id": "T", "title": "first"}}
    second = {"ocid": "o", "id": "2", "date": "2024-01-01T00:00:00Z", "tender": {"id": "T", "title": "second"}}
    assert mine.compiled([first, second])["tender"]["title"] == "second"
    assert mine.compiled([second, first])["tender"]["title"] == "first"


def test_null_removes_values_but_not_objects(mergers):
    mine, _ = mergers
    releases = [
        {"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "tender": {"id": "T", "title": "x", "value": {"amount": 1}}},
        {"ocid": "o", "id": "2", "date": "2024-01-02T00:00:00Z", "tender": {"title": None, "value": None}},
    ]
    assert mine.compiled(releases)["tender"] == {"id": "T", "value": {"amount": 1}}


def test_nested_ids_merge_within_their_parent(mergers):
    mine, _ = mergers
    releases = [
        {"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z",
         "awards": [{"id": "A", "items": [{"id": "1", "quantity": 1}]}, {"id": "B", "items": [{"id": "1", "quantity": 5}]}]},
        {"ocid": "o", "id": "2", "date": "2024-01-02T00:00:00Z", "awards": [{"id": "A", "items": [{"id": "1", "quantity": 2}]}]},
    ]
    awards = mine.compiled(releases)["awards"]
    assert [a["items"][0]["quantity"] for a in awards] == [2, 5]


def _two(first: dict, second: dict) -> list[dict]:
    return [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", **first},
            {"ocid": "o", "id": "2", "date": "2024-01-02T00:00:00Z", **second}]


@pytest.mark.parametrize("merge", ["compiled", "versioned"])
@pytest.mark.parametrize("first,second,message", [
    ({"x": "text"}, {"x": {"y": 1}}, "/x: an earlier release had a value that is not an object here"),
    ({"tender": {"items": [{"id": "1"}]}}, {"tender": {"items": "none"}},
     "/tender/items: an earlier release had an object or array here"),
    ({"tender": {"items": "none"}}, {"tender": {"items": [{"id": "1"}]}},
     "/tender/items: an earlier release had a value that is not an array of objects here"),
    ({"tender": {"items": [{"id": "1"}]}}, {"tender": {"items": {"id": "1"}}},
     "/tender/items: an earlier release had a value that is not an object here"),
    ({"awards": [{"id": "A", "value": 5}]}, {"awards": [{"id": "A", "value": {"amount": 5}}]},
     "/awards/value: an earlier release had a value that is not an object here"),
])
def test_type_changes_are_refused_with_the_path(mergers, merge, first, second, message):
    mine, _ = mergers
    with pytest.raises(MergeConflict) as conflict:
        getattr(mine, merge)(_two(first, second))
    assert str(conflict.value) == message
    assert "/" + "/".join(conflict.value.path) == message.split(":")[0]


def test_a_merger_needs_rules():
    with pytest.raises(ValueError) as error:
        Merger()
    assert str(error.value) == "Merger needs a release schema or its rules"


def test_without_rules_the_release_tag_is_still_not_merged():
    """omitWhenMerged comes from the schema, but a release's own tag never belongs to the merged release."""
    releases = _two({"tag": ["tender"], "title": "a"}, {"tag": ["award"]})
    bare = Merger(rules={})
    assert bare.compiled(releases)["tag"] == ["compiled"]
    versioned = bare.versioned(releases)
    assert "tag" not in versioned and [v["releaseTag"] for v in versioned["title"]] == [["tender"]]
    assert [v["value"] for v in versioned["id"]] == ["1", "2"]  # no rule says to omit it here


def test_repeated_ids_within_one_release_are_one_object_in_both_merges(mergers):
    """Nested arrays of the repeated objects, and objects without ids beside them, merge as in ocdsmerge."""
    mine, reference = mergers
    releases = [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "awards": [
        {"id": "A", "items": [{"id": "1", "quantity": 1}]}, {"description": "sin id"},
        {"id": "A", "title": "t", "items": [{"id": "2", "quantity": 2}, {"id": "1", "quantity": 3}]}]}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns about the repeated id
        assert mine.compiled(releases) == reference.create_compiled_release(releases)
        assert mine.versioned(releases) == reference.create_versioned_release(releases)
    assert [len(award.get("items", [])) for award in mine.versioned(releases)["awards"]] == [2, 0]


def test_a_null_over_an_object_skips_only_that_field(mergers):
    mine, reference = mergers
    releases = _two({"tender": {"id": "T"}}, {"tender": None, "language": "es"})
    assert mine.versioned(releases) == reference.create_versioned_release(releases)
    assert mine.versioned(releases)["language"][0]["value"] == "es"


def test_objects_with_a_null_id(mergers):
    """Compiled: as ocdsmerge (null ids are one object). Versioned: ours keeps ids unversioned, so an
    object with nothing but a null id leaves no trace, where ocdsmerge writes a versioned null id."""
    mine, reference = mergers
    releases = _two({"awards": [{"id": None, "title": "a"}, {"id": None}]}, {"awards": [{"id": None, "status": "active"}]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mine.compiled(releases) == reference.create_compiled_release(releases)
    assert mine.compiled(releases)["awards"] == [{"title": "a", "status": "active"}]
    assert [sorted(award) for award in mine.versioned(releases)["awards"]] == [["status", "title"]]
    only_a_null_id = [{**releases[0], "awards": [{"id": None}]}]
    assert "awards" not in mine.versioned(only_a_null_id)
    # ... and a later object with a null id is not lost to the one that left no trace.
    later = _two({"awards": [{"id": None}]}, {"awards": [{"id": None, "title": "t"}]})
    assert [v["value"] for v in mine.versioned(later)["awards"][0]["title"]] == ["t"]


def test_releases_are_merged_oldest_first_whatever_their_order(mergers):
    mine, reference = mergers
    newest_first = list(reversed(_two({"tender": {"id": "T", "title": "old"}}, {"tender": {"id": "T", "title": "new"}})))
    assert mine.compiled(newest_first)["tender"]["title"] == "new"
    assert mine.compiled(newest_first) == reference.create_compiled_release(newest_first)
    assert [v["value"] for v in mine.versioned(newest_first)["tender"]["title"]] == ["old", "new"]


@pytest.mark.parametrize("releases,message", [
    ([1], "a release must be a JSON object, not int"),
    ([{"ocid": "o", "id": "r"}], "release 'r' of 'o' has no date string"),
    ([{"ocid": "o", "id": "r1", "date": "2024-01-01T00:00:00Z"}, {"ocid": "o", "id": "r2", "date": 20240102}],
     "release 'r2' of 'o' has no date string"),
])
def test_releases_that_cannot_be_merged_say_why(mergers, releases, message):
    mine, _ = mergers
    for merge in (mine.compiled, mine.versioned):
        with pytest.raises(MergeError) as error:
            merge(releases)
        assert str(error.value) == message


def test_repeated_ids_among_other_ids_in_one_release(mergers):
    mine, reference = mergers
    releases = [{"ocid": "o", "id": "1", "date": "2024-01-01T00:00:00Z", "awards": [
        {"id": "A", "title": "a"}, {"id": "B", "title": "b"}, {"id": "A", "status": "active"}]}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mine.versioned(releases) == reference.create_versioned_release(releases)
        assert mine.compiled(releases) == reference.create_compiled_release(releases)
    assert [a["id"] for a in mine.versioned(releases)["awards"]] == ["A", "B"]


def test_merge_rules_apply_inside_nested_objects(mergers):
    """buyer.additionalIdentifiers is wholeListMerge: replaced whole, not merged by id; a nested
    field called "tag" is data (only the release's own tag is left out)."""
    mine, reference = mergers
    releases = _two({"buyer": {"id": "B", "additionalIdentifiers": [{"id": "1", "scheme": "a"}, {"id": "2", "scheme": "b"}]},
                     "x_local": {"tag": "kept"}},
                    {"buyer": {"id": "B", "additionalIdentifiers": [{"id": "1", "scheme": "c"}]}})
    assert mine.compiled(releases)["buyer"]["additionalIdentifiers"] == [{"id": "1", "scheme": "c"}]
    assert mine.compiled(releases)["x_local"] == {"tag": "kept"}
    assert mine.compiled(releases) == reference.create_compiled_release(releases)
    assert mine.versioned(releases) == reference.create_versioned_release(releases)
