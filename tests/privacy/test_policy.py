"""What a policy does to OCDS documents: natural persons' fields published, masked or dropped, their
identifiers replaced by keyed pseudonyms everywhere they are referenced, and everyone else untouched."""

import copy
import json

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from ocds_pipeline.config import ConfigError, load_config
from ocds_pipeline.privacy import Privacy, PrivacyError, resolve
from ocds_pipeline.publish.records import CompiledProcess
from tests.conftest import examples

KEY = "a secret of more than sixteen characters"
PERSON = "1710034065001"
COMPANY = "0990012345001"
CONTACT = {"name": "María Pérez", "email": "maria.perez@correo.ec", "telephone": "+593 2 255 1267",
           "faxNumber": "02-255-1299"}
ADDRESS = {"streetAddress": "Av. Amazonas N34-12", "postalCode": "170135", "locality": "Quito",
           "region": "Pichincha", "countryName": "Ecuador"}
SECRETS = ["maria.perez@correo.ec", "255 1267", "02-255-1299", "Amazonas", "170135"]


def party(ruc: str, name: str, **extra) -> dict:
    return {"id": f"EC-RUC-{ruc}", "name": name, "identifier": {"scheme": "EC-RUC", "id": ruc, "legalName": name},
            "address": dict(ADDRESS), "contactPoint": dict(CONTACT), "roles": ["supplier", "tenderer"], **extra}


def release(*parties: dict) -> dict:
    references = [{"id": p["id"], "name": p["name"]} for p in parties]
    return {"ocid": "ocds-5wno2w-X-1", "id": "ocds-5wno2w-X-1-award", "date": "2024-01-02T00:00:00-05:00",
            "tag": ["award"], "parties": copy.deepcopy(list(parties)),
            "tender": {"id": "X-1", "tenderers": references},
            "awards": [{"id": "1", "suppliers": references, "description": f"Adjudicado al RUC {parties[0]['identifier']['id']}"}]}


def policy(output: str = "site", key: str | None = KEY, **actions: str) -> Privacy:
    return Privacy(output, {**resolve({})[output], **actions}, key)


def dumped(document) -> str:
    return json.dumps(document, ensure_ascii=False)


def test_the_defaults_publish_everything_in_ocds_and_leave_contact_details_out_of_derived_files():
    defaults = resolve({})
    assert set(defaults["ocds"].values()) == {"publish"}
    for output in ("spreadsheets", "site", "api"):
        assert defaults[output] == {"identifier": "publish", "address": "mask", "email": "drop", "telephone": "drop"}
    assert not Privacy("ocds", defaults["ocds"]).active


def test_a_default_derived_file_keeps_name_ruc_and_locality_and_drops_contact_details():
    document = policy().document(release(party(PERSON, "PÉREZ MARÍA"), party(COMPANY, "Andina S.A.")))
    person, company = document["parties"]
    assert person["id"] == f"EC-RUC-{PERSON}" and person["identifier"]["id"] == PERSON and person["name"] == "PÉREZ MARÍA"
    assert person["address"] == {"locality": "Quito", "region": "Pichincha", "countryName": "Ecuador"}
    assert person["contactPoint"] == {"name": "María Pérez"}  # e-mail, telephone and fax dropped
    assert company == party(COMPANY, "Andina S.A.")  # a legal person keeps everything


def test_masks_keep_a_hint_and_drop_removes_the_field():
    masked = policy(email="mask", telephone="mask", address="drop").document(release(party(PERSON, "PÉREZ MARÍA")))
    person = masked["parties"][0]
    assert person["contactPoint"] == {"name": "María Pérez", "email": "m***@correo.ec", "telephone": "+*** * *** **67",
                                      "faxNumber": "**-***-**99"}
    assert "address" not in person


def test_masked_identifiers_are_keyed_pseudonyms_in_the_party_and_every_reference():
    document = policy(identifier="mask").document(release(party(PERSON, "PÉREZ MARÍA"), party(COMPANY, "Andina S.A.")))
    text = dumped(document)
    assert PERSON not in text and PERSON[:10] not in text  # nowhere: id, identifier, references, free text
    person, company = document["parties"]
    assert person["id"].startswith("PN-") and len(person["id"]) == 19
    assert person["identifier"] == {"legalName": "PÉREZ MARÍA"}
    assert document["awards"][0]["suppliers"][0]["id"] == person["id"] == document["tender"]["tenderers"][0]["id"]
    assert document["awards"][0]["description"] == f"Adjudicado al RUC {person['id'][3:]}"
    assert company["id"] == f"EC-RUC-{COMPANY}" and company["identifier"]["id"] == COMPANY


def test_pseudonyms_are_stable_under_one_key_and_change_with_it():
    def pseudonym(key: str, name: str) -> str:
        return policy(identifier="mask", key=key).document(release(party(PERSON, name)))["parties"][0]["id"]

    assert pseudonym(KEY, "one") == pseudonym(KEY, "another process, another name")
    assert pseudonym(KEY, "one") != pseudonym(KEY + "!", "one")


def test_masking_identifiers_without_a_long_enough_key_is_refused():
    for key in (None, "", "short"):
        with pytest.raises(PrivacyError, match="OCDS_PIPELINE_PRIVACY_KEY"):
            policy(identifier="mask", key=key)
    policy(identifier="publish", key=None)  # no key needed when nothing is masked


@pytest.mark.parametrize("section, message", [
    ({"web": {}}, "unknown output 'web'"), ({"site": {"phone": "drop"}}, "unknown field 'phone'"),
    ({"site": {"identifier": "drop"}}, "must be one of publish, mask"), ({"site": "mask"}, "must map fields"),
])
def test_a_mistyped_privacy_section_is_a_config_error(section, message):
    with pytest.raises(ConfigError, match=message):
        load_config(privacy=section)


def test_a_body_without_anything_to_change_comes_back_as_the_same_bytes():
    person = {"id": f"EC-RUC-{PERSON}", "name": "P", "identifier": {"scheme": "EC-RUC", "id": PERSON},
              "address": {"region": "Loja"}, "roles": ["supplier"]}
    body = orjson.dumps(release(person))
    assert policy().body(body) is body  # no field the policy touches: not even parsed
    document = orjson.loads(body)
    assert policy().document(document) is document
    changed = policy(address="drop").body(body)
    assert b"Loja" not in changed and orjson.loads(changed)["parties"][0]["name"] == "P"


def test_a_reference_is_recognised_by_its_ruc_when_its_party_is_in_another_release():
    """A change-feed release may name a supplier its own parties array does not hold."""
    award = {"ocid": "o", "id": "2", "awards": [{"id": "1", "suppliers": [{"id": f"EC-RUC-{PERSON}", "name": "P"}]}]}
    body = policy(identifier="mask").body(orjson.dumps(award))
    assert PERSON.encode() not in body and b'"PN-' in body


def test_versioned_values_are_masked_and_dropped_too():
    versioned = {"ocid": "o", "parties": [{"id": f"EC-RUC-{PERSON}",
                                           "identifier": {"id": [{"releaseID": "1", "value": PERSON}],
                                                          "scheme": [{"releaseID": "1", "value": "EC-RUC"}]},
                                           "contactPoint": {"email": [{"releaseID": "1", "value": "ana@x.ec"},
                                                                      {"releaseID": "2", "value": "ana@y.ec"}],
                                                            "telephone": [{"releaseID": "1", "value": "0991234567"}]}}]}
    masking = policy(email="mask", identifier="mask")
    masked = masking.document(versioned, masking.plan([release(party(PERSON, "P"))]))  # the plan of its compiled release
    person = masked["parties"][0]
    assert [v["value"] for v in person["contactPoint"]["email"]] == ["a***@x.ec", "a***@y.ec"]
    assert "telephone" not in person["contactPoint"] and "identifier" not in person
    assert PERSON not in dumped(masked)


def test_a_process_gets_one_plan_for_its_releases_record_and_compiled_release():
    compiled = release(party(PERSON, "P"))
    bare = {"ocid": compiled["ocid"], "id": "1", "awards": compiled["awards"]}  # no parties of its own
    record = {"ocid": compiled["ocid"], "compiledRelease": compiled}
    process = CompiledProcess(compiled["ocid"], 2, "", "", 0, orjson.dumps(record), orjson.dumps(compiled), None,
                              (copy.deepcopy(compiled), [copy.deepcopy(bare)]), [orjson.dumps(compiled), orjson.dumps(bare)])
    masked = policy(identifier="mask").process(process)
    pseudonym = orjson.loads(masked.compiled)["parties"][0]["id"]
    for body in (*masked.bodies, masked.record, masked.compiled, orjson.dumps(masked.project_input)):
        assert PERSON.encode() not in body and pseudonym.encode() in body
    assert policy("ocds").process(process) is process  # publishing everything: untouched


def test_a_filter_on_a_masked_natural_persons_identifier_is_recognised():
    masking = policy(identifier="mask")
    assert masking.hides(PERSON) and masking.hides(f"EC-RUC-{PERSON}")
    assert not masking.hides(COMPANY) and not policy().hides(PERSON)


# -- whatever the parties hold ------------------------------------------------------------------
contacts = st.fixed_dictionaries({}, optional={
    "email": st.emails().map(lambda e: "zz" + e), "telephone": st.from_regex(r"\+593 9\d{8}", fullmatch=True),
    "faxNumber": st.from_regex(r"0[2-7]\d{7}", fullmatch=True), "name": st.text(max_size=5)})
addresses = st.fixed_dictionaries({}, optional={
    "streetAddress": st.from_regex(r"Calle [A-Z]{6}", fullmatch=True), "postalCode": st.from_regex(r"P\d{6}", fullmatch=True),
    "locality": st.sampled_from(["Quito", "Loja"])})
cedulas = st.integers(0, 5).flatmap(lambda third: st.integers(0, 999_999).map(lambda n: f"17{third}{n:06d}"))


def natural_ruc_from(first9: str) -> str:
    from ocds_pipeline.sources.identifiers import cedula_check_digit
    return f"{first9}{cedula_check_digit(first9)}001"


parties = st.lists(st.tuples(st.booleans(), cedulas, contacts, addresses), min_size=1, max_size=4,
                   unique_by=lambda p: p[1])
actions = st.fixed_dictionaries({"identifier": st.sampled_from(["publish", "mask"]),
                                 **{name: st.sampled_from(["publish", "mask", "drop"]) for name in ("address", "email", "telephone")}})


@settings(max_examples=examples(60), deadline=None)
@given(parties, actions)
def test_no_natural_persons_withheld_value_survives_and_everyone_else_is_untouched(drawn, chosen):
    built = []
    for natural, first9, contact, address in drawn:
        ruc = natural_ruc_from(first9) if natural else f"179{first9[3:]}0001"[:13]
        built.append({"id": f"EC-RUC-{ruc}", "name": f"Nombre {len(built)}", "identifier": {"scheme": "EC-RUC", "id": ruc},
                      "contactPoint": contact, "address": address, "roles": ["supplier"]})
    document = release(*built)
    before = copy.deepcopy(document)
    after = policy(**chosen).document(document)
    text = dumped(after)
    for (natural, _, contact, address), original in zip(drawn, before["parties"]):
        withheld = []
        if natural and chosen["email"] != "publish":
            withheld += [contact.get("email")]
        if natural and chosen["telephone"] != "publish":
            withheld += [contact.get("telephone"), contact.get("faxNumber")]
        if natural and chosen["address"] != "publish":
            withheld += [address.get("streetAddress"), address.get("postalCode")]
        if natural and chosen["identifier"] == "mask":
            withheld += [original["identifier"]["id"]]
        for value in filter(None, withheld):
            assert value not in text
        if not natural:
            assert original in after["parties"]  # a legal person, as it was
    assert [p["name"] for p in after["parties"]] == [p["name"] for p in before["parties"]]  # names always published
    assert policy(**chosen).document(copy.deepcopy(after)) == after  # applying it again changes nothing


def test_a_records_plan_comes_from_its_compiled_release_when_its_versioned_release_hides_the_flag():
    """Found by the API test: a versioned release's legalEntityTypeDetail is a list of versions."""
    flagged = party(COMPANY, "VERA JORGE", details={"legalEntityTypeDetail": "Persona natural"})
    versioned = {"id": flagged["id"], "details": {"legalEntityTypeDetail": [{"releaseID": "1", "value": "Persona natural"}]},
                 "identifier": {"id": [{"releaseID": "1", "value": COMPANY}]}}
    record = {"ocid": "o", "compiledRelease": release(flagged), "versionedRelease": {"parties": [versioned]}}
    assert COMPANY not in dumped(policy(identifier="mask").document(record))
