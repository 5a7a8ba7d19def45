"""Every data-quality check has a passing and a failing case (and is not applicable without its fields)."""

import pickle

import pytest

from ocds_pipeline.extensions import patched_release_schema
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.validate.quality import (RELEASE_CHECKS, DatasetCounts, check_quality, dataset_results,
                                            load_descriptions)
from ocds_pipeline.validate.quality.process import REFERENCES

V = lambda amount: {"amount": amount, "currency": "USD"}  # noqa: E731
PARTIES = [{"id": "B", "roles": ["buyer", "procuringEntity", "payer"]}, {"id": "S", "roles": ["tenderer", "supplier", "payee"]}]


def release(**fields):
    return {"ocid": "ocds-5wno2w-1", "date": "2024-06-01T00:00:00Z", "parties": PARTIES, **fields}


AWARD = {"id": "A", "status": "active", "date": "2024-02-01T00:00:00Z", "value": V(100), "suppliers": [{"id": "S"}]}
CONTRACT = {"id": "C", "awardID": "A", "status": "active", "dateSigned": "2024-02-10T00:00:00Z", "value": V(100),
            "period": {"startDate": "2024-02-10T00:00:00Z", "endDate": "2024-03-11T00:00:00Z", "durationInDays": 30},
            "implementation": {"transactions": [{"id": "1", "date": "2024-03-01T00:00:00Z", "value": V(60),
                                                 "payer": {"id": "B"}, "payee": {"id": "S"}}]}}
GOOD = release(buyer={"id": "B"}, tender={"id": "T", "status": "complete", "procurementMethod": "open",
                                          "numberOfTenderers": 1, "tenderers": [{"id": "S"}], "procuringEntity": {"id": "B"},
                                          "value": V(100), "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z",
                                                                            "endDate": "2024-01-20T00:00:00Z"},
                                          "milestones": [{"id": "m", "status": "met", "dateMet": "2024-01-15T00:00:00Z"}],
                                          "amendments": [{"id": "1", "date": "2024-01-10T00:00:00Z"}],
                                          "documents": [{"id": "d", "datePublished": "2024-01-01T00:00:00Z",
                                                         "dateModified": "2024-01-05T00:00:00Z"}]},
               planning={"budget": {"amount": V(110)}}, awards=[AWARD], contracts=[CONTRACT])


def changed(path, value):
    import copy

    document = copy.deepcopy(GOOD)
    target = document
    *parents, last = path.split("/")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return document


def without_role(role):
    return changed("parties", [{**p, "roles": [r for r in p["roles"] if r != role]} for p in PARTIES])


def named(wrong=None):
    """GOOD with names on the parties and on every organisation reference (``wrong``'s references misnamed)."""
    document = changed("parties", [{**PARTIES[0], "name": "GAD Quito"}, {**PARTIES[1], "name": "ACME"}])
    for name, (_, refs) in REFERENCES.items():
        for _, ref in refs(document):
            ref["name"] = "Otro" if name == wrong else {"B": "GAD Quito", "S": "ACME"}[ref["id"]]
    return document


FAILING = {
    "coherent.period": changed("tender/tenderPeriod/endDate", "2023-12-01T00:00:00Z"),
    "coherent.procurement_method_vs_number_of_tenderers": changed("tender", {**GOOD["tender"], "procurementMethod": "direct",
                                                                             "numberOfTenderers": 2}),
    "coherent.tender_status": changed("tender/status", "active"),
    "coherent.awards_status": changed("awards/0/status", "cancelled"),
    "coherent.contracts_status": changed("contracts/0/status", "cancelled"),
    "coherent.value_realistic": changed("tender/value", V(6e9)),
    "coherent.dates": changed("awards/0/date", "2024-01-10T00:00:00Z"),
    "coherent.release_date": changed("contracts/0/dateSigned", "2024-07-01T00:00:00Z"),
    "coherent.milestone_status": changed("tender/milestones/0/status", "scheduled"),
    "coherent.milestones_dates": changed("tender/milestones/0/dateMet", "2024-07-01T00:00:00Z"),
    "coherent.amendments_dates": changed("tender/amendments/0/date", "2023-12-01T00:00:00Z"),
    "coherent.documents_dates": changed("tender/documents/0/dateModified", "2023-12-01T00:00:00Z"),
    **{f"consistent.{name}_in_parties_roles": without_role(role) for name, (role, _) in REFERENCES.items()},
    **{f"consistent.{name}_name_in_parties": named(wrong=name) for name in REFERENCES},
    "consistent.number_of_tenderers": changed("tender/numberOfTenderers", 3),
    "consistent.tender_value": changed("planning/budget/amount", V(30)),
    "consistent.contracts_value": changed("contracts/0/value", V(200)),
    "consistent.contracts_implementation_transactions_value": changed("contracts/0/implementation/transactions/0/value", V(150)),
    "consistent.parties_roles": changed("parties", PARTIES + [{"id": "X", "roles": ["supplier"]}]),
    "consistent.period_duration_in_days": changed("contracts/0/period/durationInDays", 10),
    "reference.buyer_in_parties": changed("buyer", {"id": "Z"}),
    "reference.procuring_entity_in_parties": changed("tender/procuringEntity", {"id": "Z"}),
    "reference.tenderer_in_parties": changed("tender/tenderers", [{"id": "Z"}]),
    "reference.supplier_in_parties": changed("awards/0/suppliers", [{"id": "Z"}]),
    "reference.payer_in_parties": changed("contracts/0/implementation/transactions/0/payer", {"id": "Z"}),
    "reference.payee_in_parties": changed("contracts/0/implementation/transactions/0/payee", {"id": "Z"}),
    "reference.contract_in_awards": changed("contracts/0/awardID", "Z"),
}


# Checks that apply only in some states pass on their own cases (GOOD is not applicable to them).
PASSING = {
    "coherent.contracts_status": changed("contracts/0", {**CONTRACT, "status": "cancelled", "implementation": {}}),
    "coherent.procurement_method_vs_number_of_tenderers": changed("tender", {**GOOD["tender"], "procurementMethod": "direct"}),
    "coherent.tender_status": release(tender={"id": "T", "status": "active"}),
    "coherent.milestone_status": changed("tender/milestones/0", {"id": "m", "status": "scheduled"}),
    **{f"consistent.{name}_name_in_parties": named() for name in REFERENCES},
}


def test_every_check_has_cases_and_descriptions():
    dataset = set(dataset_results(DatasetCounts()))
    assert set(FAILING) == set(RELEASE_CHECKS)
    assert set(load_descriptions()) == set(RELEASE_CHECKS) | dataset


@pytest.mark.parametrize("name", sorted(RELEASE_CHECKS))
def test_release_check_passes_fails_and_is_not_applicable(name):
    check = RELEASE_CHECKS[name]
    assert check(PASSING.get(name, GOOD)) == (True, []), name
    ok, paths = check(FAILING[name])
    assert ok is False and paths, name
    assert check({"ocid": "ocds-5wno2w-2", "date": "2024-06-01T00:00:00Z"})[0] is None, name


def counts(*releases):
    total = DatasetCounts()
    for r in releases:
        total.take(DatasetCounts.observe(r))
    return dataset_results(total)


def with_tender(status=None, method=None, category=None, tender_id=None, buyer=None):
    return {"ocid": "x", "buyer": {"id": buyer}, "tender": {"id": tender_id, "status": status, "procurementMethod": method,
                                                            "mainProcurementCategory": category}}


@pytest.mark.parametrize("name,passing,failing", [
    ("distribution.tender_status", [with_tender("active"), with_tender("complete")], [with_tender("complete")] * 2),
    ("distribution.tender_procurement_method", [with_tender(method="open"), with_tender(method="direct")],
     [with_tender(method="direct")] * 2),
    ("distribution.main_procurement_category", [with_tender(category="goods"), with_tender(category="works")],
     [with_tender(category="goods")] * 2),
    ("unique.tender_id", [with_tender(tender_id="1"), with_tender(tender_id="2")], [with_tender(tender_id="1")] * 2),
])
def test_dataset_checks(name, passing, failing):
    assert counts(*passing)[name][0] is True
    assert counts(*failing)[name][0] is False


def test_award_and_contract_status_distributions():
    good = {"awards": [{"status": "active"}, {"status": "cancelled"}], "contracts": [{"status": "active"}, {"status": "terminated"}]}
    bad = {"awards": [{"status": "cancelled"}], "contracts": [{"status": "active"}]}
    assert counts(good)["distribution.awards_status"][0] and counts(good)["distribution.contracts_status"][0]
    assert counts(bad)["distribution.awards_status"][0] is False and counts(bad)["distribution.contracts_status"][0] is False


def test_milestone_status_distribution():
    met = {"tender": {"milestones": [{"status": "met"}, {"status": "scheduled"}]}}
    assert counts(met)["distribution.milestone_status"][0] is True
    assert counts({"tender": {"milestones": [{"status": "met"}]}})["distribution.milestone_status"][0] is False


def with_values(amounts, kind="awards"):
    if kind == "tender":
        return [{"tender": {"value": V(a)}} for a in amounts]
    return [{kind: [{"value": V(a)}]} for a in amounts]


@pytest.mark.parametrize("kind", ["tender", "awards", "contracts"])
def test_value_concentration_needs_a_hundred_values_and_fails_on_a_dominant_top(kind):
    name = f"distribution.{kind}_value"
    assert counts(*with_values([10] * 99, kind))[name][0] is None
    assert counts(*with_values(range(1, 101), kind))[name][0] is True      # top 1 %: 100 < 4,950
    ok, measured = counts(*with_values([1] * 99 + [1000], kind))[name]    # top 1 %: 1,000 > 99
    assert ok is False and measured["top 1 % total"] == 1000 and measured["other 99 % total"] == 99


@pytest.mark.parametrize("kind", ["tender", "awards", "contracts"])
def test_value_repetition_catches_placeholder_values(kind):
    name = f"distribution.{kind}_value_repetition"
    assert counts(*with_values(range(1, 101), kind))[name][0] is True   # top 3: 3 %
    ok, measured = counts(*with_values([0] * 20 + list(range(1, 81)), kind))[name]
    assert ok is False and measured["most frequent"][0] == {"amount": 0.0, "currency": "USD", "count": 20}


def test_buyer_distribution_needs_a_thousand_processes():
    assert counts(*[with_tender(buyer=f"B{i}") for i in range(10)])["distribution.buyer"][0] is None
    assert counts(*[with_tender(buyer=f"B{i % 40}") for i in range(1000)])["distribution.buyer"][0] is True  # none once
    assert counts(*[with_tender(buyer=f"B{i}") for i in range(1000)])["distribution.buyer"][0] is False     # all once


def test_report_only_distributions_have_no_result():
    report = check_quality([GOOD, {**GOOD, "tender": {**GOOD["tender"], "submissionMethod": ["electronicSubmission"]}}])
    dataset = report.as_dict()["dataset"]
    assert dataset["distribution.tender_submission_method"] == {"result": "report", "measured": {"electronicSubmission": 1}}
    assert dataset["distribution.value_currency"]["measured"] == {"USD": 6}


def test_buyer_repetition_needs_a_thousand_processes():
    few = [with_tender(buyer="B")] * 10
    assert counts(*few)["distribution.buyer_repetition"][0] is None
    spread = [with_tender(buyer=f"B{i % 40}") for i in range(1000)]
    assert counts(*spread)["distribution.buyer_repetition"][0] is True            # 2.5 % each
    assert counts(*[with_tender(buyer="B")] * 1000)["distribution.buyer_repetition"][0] is False  # 100 %


def test_report_counts_examples_and_coverage():
    report = check_quality([GOOD, FAILING["coherent.dates"]])
    result = report.checks["coherent.dates"]
    assert (result.passed, result.failed, result.not_applicable) == (1, 1, 0)
    assert result.examples == [{"ocid": "ocds-5wno2w-1", "path": "awards/0/date"}]
    assert report.coverage["/awards[]/value/amount"] == {"possible": 2, "exists": 2, "non_empty": 2}
    assert "| `coherent.dates` |" in report.markdown(load_descriptions())


def test_coverage_counts_exists_per_possible_occurrence_and_non_empty_per_actual_one():
    one = {"ocid": "a", "tender": {"title": "Obra", "items": [{"id": "1", "unit": {"name": None}}, {"id": "2"}]}}
    other = {"ocid": "b", "tender": {"title": ""}}
    coverage = check_quality([one, other], schema=patched_release_schema(SchemaResolver.from_env())).coverage
    assert coverage["/tender/title"] == {"possible": 2, "exists": 2, "non_empty": 1}
    assert coverage["/tender/items[]/id"] == {"possible": 2, "exists": 2, "non_empty": 2}  # per array entry
    assert coverage["/tender/items[]/unit"] == {"possible": 2, "exists": 1, "non_empty": 1}
    assert coverage["/tender/items[]/unit/name"] == {"possible": 1, "exists": 1, "non_empty": 0}
    assert coverage["/tender/description"] == {"possible": 2, "exists": 0, "non_empty": 0}  # from the schema
    assert "/awards[]/id" not in coverage  # no award occurs: nothing to count against


def test_usability_index_by_hand():
    direct = {"ocid": "d", "buyer": {"id": "B"}, "tender": {"procurementMethod": "direct"}}
    # GOOD is open: 9 groups, all present except classification (its items have none) -> 8/9.
    # direct: 6 groups (no competitive-only ones); procedure and buyer present -> 2/6.
    report = check_quality([GOOD, direct])
    assert report.usability["index"] == round((8 / 9 + 2 / 6) / 2, 4)
    assert report.usability["groups"]["buyer"] == 1.0 and report.usability["groups"]["supplier"] == 0.5
    assert report.usability["groups"]["deadline"] == 1.0  # only GOOD is competitive


def test_repeated_tender_ids_are_reported_in_the_order_first_seen_across_merged_parts():
    first, second = DatasetCounts(), DatasetCounts()
    for tender_id in ("B", "A", "C", "B"):
        first.take(DatasetCounts.observe(with_tender(tender_id=tender_id)))
    for tender_id in ("D", "A", "E", "D", "D"):
        second.take(DatasetCounts.observe(with_tender(tender_id=tender_id)))
    first.merge(pickle.loads(pickle.dumps(second)))  # as a publish's workers send their parts
    ok, measured = dataset_results(first)["unique.tender_id"]
    assert ok is False and measured == {"repeated tender ids": ["B", "A", "D"], "count": 3}
