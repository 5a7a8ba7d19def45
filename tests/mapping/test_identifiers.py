import re

from hypothesis import given, strategies as st

from ocds_pipeline.mapping import make_ocid, safe_filename


def test_ocids_keep_sercop_codes_and_encode_the_rest():
    assert make_ocid("ocds-5wno2w", "SIE-IGM-2025-031") == "ocds-5wno2w-SIE-IGM-2025-031"
    assert make_ocid("ocds-5wno2w", "RE-PU-GADM/2024-001") == "ocds-5wno2w-RE-PU-GADM/2024-001"
    assert make_ocid("ocds-5wno2w", "LICO GADM 2024#1") == "ocds-5wno2w-LICO%20GADM%202024%231"


def test_file_names_are_safe():
    assert safe_filename("ocds-5wno2w-RE-PU-GADM/2024-001") == "ocds-5wno2w-RE-PU-GADM%2F2024-001"


codes = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(lambda c: c.strip() == c)


@given(a=codes, b=codes)
def test_distinct_codes_never_share_an_ocid_or_a_file_name(a, b):
    if a != b:
        assert make_ocid("p", a) != make_ocid("p", b)
        assert safe_filename(make_ocid("p", a)) != safe_filename(make_ocid("p", b))


@given(code=codes)
def test_ocids_have_no_hash_and_file_names_only_safe_characters(code):
    assert "#" not in make_ocid("ocds-5wno2w", code)
    assert re.fullmatch(r"[A-Za-z0-9._~%-]+", safe_filename(make_ocid("ocds-5wno2w", code)))
