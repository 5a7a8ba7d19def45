"""The fast validator reports the same errors as the jsonschema reference implementation."""

import copy

import pytest

from ocds_pipeline.validate import ReleaseValidator

VALID = {
    "ocid": "ocds-5wno2w-SIE-X-2024-00001", "id": "tender-0123456789abcdef", "date": "2024-03-01T09:00:00-05:00",
    "tag": ["tender"], "initiationType": "tender", "language": "es",
    "tender": {"id": "SIE-X-2024-00001", "status": "active", "procurementRegime": "common",
               "value": {"amount": 1000, "currency": "USD"}},
}
BROKEN = [
    ("release id missing", lambda r: r.pop("id"), "required", ""),
    ("bad tag", lambda r: r.update(tag=["tenderish"]), "enum", "tag/0"),
    ("bad date", lambda r: r.update(date="01/03/2024"), "format", "date"),
    ("amount as text", lambda r: r["tender"]["value"].update(amount="mil"), "type", "tender/value/amount"),
    ("closed codelist", lambda r: r["tender"].update(status="open"), "enum", "tender/status"),
    ("regime extension", lambda r: r["tender"].update(procurementRegime="especial"), "enum", "tender/procurementRegime"),
    ("bad currency", lambda r: r["tender"]["value"].update(currency="usd"), "enum", "tender/value/currency"),
    ("tender id missing", lambda r: r["tender"].pop("id"), "required", "tender"),
]


@pytest.fixture(scope="module")
def validators():
    from ocds_pipeline.schemas import SchemaResolver

    resolver = SchemaResolver.from_env()
    return ReleaseValidator(resolver), ReleaseValidator(resolver, reference=True)


def test_valid_release_has_no_errors(validators):
    for validator in validators:
        assert list(validator.issues(VALID)) == []


@pytest.mark.parametrize("name,breaks,kind,path", BROKEN, ids=[b[0] for b in BROKEN])
def test_fast_and_reference_validators_agree(validators, name, breaks, kind, path):
    release = copy.deepcopy(VALID)
    breaks(release)
    fast, reference = ([(i.validator, i.path) for i in v.issues(release)] for v in validators)
    assert fast == reference == [(kind, path)]
