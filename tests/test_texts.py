"""Texts held as Arrow arrays give back what a list and a Counter of the same strings would."""

import pickle
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from ocds_pipeline import texts
from ocds_pipeline.texts import Texts

VALUES = st.lists(st.one_of(st.sampled_from(["a", "b", "ñandú", "0", ""]), st.text(max_size=3), st.none()), max_size=30)


@settings(max_examples=200, deadline=None)
@given(VALUES, VALUES, st.integers(min_value=1, max_value=4))
def test_texts_added_merged_and_pickled_keep_their_order_and_repeats(first, second, chunk):
    texts._CHUNK = chunk  # arrays of a few texts each: every path between the pending list and the arrays
    try:
        one, other = Texts(), Texts()
        for value in first:
            one.append(value)
        for value in second:
            other.append(value)
        one.extend(pickle.loads(pickle.dumps(other)))
        whole = first + second
        counted = Counter(value for value in whole if value is not None)
        assert len(one) == len(whole)
        assert one.arrow().to_pylist() == whole
        assert one.repeated() == [value for value in counted if counted[value] > 1]
    finally:
        texts._CHUNK = 65_536
