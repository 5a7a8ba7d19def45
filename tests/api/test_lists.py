"""compiled-releases with every filter, paged by cursor: exactly the matching processes, once each, in
ocid order; the change feed rebuilds the store; indicators equal the command line's."""

import json
import subprocess
import sys
import unicodedata

import pytest

from ocds_pipeline.procedure_types import default_procedure_types
from tests.api.conftest import compiled, records


def walk(client, params, limit=7, ndjson=False):
    """Every compiled release of a filtered list, following links.next (or the Link header)."""
    seen, url, pages = [], "/api/v1/compiled-releases", 0
    query = {**params, "limit": limit}
    while url:
        if ndjson:
            response = client.get(url, params=query, headers={"Accept": "application/x-ndjson"})
            assert response.headers["content-type"] == "application/x-ndjson"
            seen += [json.loads(line) for line in response.text.splitlines()]
            link = response.headers.get("link")
            url = link[1:link.index(">")] if link else None
        else:
            response = client.get(url, params=query)
            assert response.status_code == 200, response.text
            package = response.json()
            seen += package["releases"]
            url = package.get("links", {}).get("next")
        query, pages = None, pages + 1
        assert pages < 500
    return [release["ocid"] for release in seen]


def plain(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def expected_lists(served):
    """For each filter, a few values and the processes each must list, read from the compiled releases."""
    types = default_procedure_types()
    latest = {ocid: max(link["date"] for link in record["releases"]) for ocid, record in records(served).items()}
    rows = []
    for release in compiled(served):
        tender = release.get("tender", {})
        parties = {p["id"]: p for p in release.get("parties", [])}
        buyer = release.get("buyer", {})
        start = tender.get("tenderPeriod", {}).get("startDate") or release["date"]
        suppliers = {s["id"] for a in release.get("awards", []) if a.get("status") in ("active", None)
                     for s in a.get("suppliers", [])}
        details = tender.get("procurementMethodDetails")
        kind = types.classify(details) if details else None
        rows.append({
            "ocid": release["ocid"], "year": start[:4], "procurement_method": tender.get("procurementMethod"),
            "regime": tender.get("procurementRegime"), "province": parties[buyer["id"]]["address"].get("region"),
            "procedure_type": kind.name if kind else details,
            "buyer": {buyer["id"], parties[buyer["id"]]["identifier"]["id"]},
            "supplier": suppliers | {parties[s]["identifier"]["id"] for s in suppliers},
            "updated": latest[release["ocid"]],
        })
    return rows


FILTERS = ["year", "procurement_method", "regime", "province", "procedure_type", "buyer", "supplier"]


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_lists_exactly_the_matching_processes_once(served, client, name):
    rows = expected_lists(served)
    values = {}
    for row in rows:
        for value in (row[name] if isinstance(row[name], set) else {row[name]}):
            if value is not None:
                values.setdefault(value, set()).add(row["ocid"])
    chosen = sorted(values, key=lambda v: (-len(values[v]), v))[:3] + sorted(values)[:1]
    assert len(values) >= 2
    for value in chosen:
        listed = walk(client, {name: value})
        assert listed == sorted(listed) and len(listed) == len(set(listed)), value
        assert set(listed) == values[value], (name, value)


def test_filters_combine_and_json_lines_pages_the_same(served, client):
    rows = expected_lists(served)
    year, regime = rows[0]["year"], "special"
    wanted = {row["ocid"] for row in rows if row["year"] == year and row["regime"] == regime}
    assert wanted
    assert set(walk(client, {"year": year, "regime": regime}, limit=3)) == wanted
    assert walk(client, {"year": year, "regime": regime}, limit=3, ndjson=True) == sorted(wanted)
    assert walk(client, {}, limit=50, ndjson=True) == sorted(row["ocid"] for row in rows)


def test_updated_since(served, client):
    rows = expected_lists(served)
    pivot = sorted(row["updated"] for row in rows)[len(rows) // 2][:10]
    assert set(walk(client, {"updated_since": pivot}, limit=25)) == {row["ocid"] for row in rows if row["updated"][:10] >= pivot}


def test_text_search_ignores_accents_case_and_inflection(served, client):
    by_buyer = {}
    for release in compiled(served):
        by_buyer.setdefault(plain(release["buyer"]["name"]), set()).add(release["ocid"])
    firefighters = set().union(*(ocids for name, ocids in by_buyer.items() if "bomberos" in name))
    assert firefighters
    for words in ("bomberos", "BOMBEROS", "Bombero", "cuerpo bomberos"):
        found = set(walk(client, {"q": words}, limit=100))
        assert firefighters <= found, words
        texts = {r["ocid"]: plain(json.dumps(r, ensure_ascii=False)) for r in compiled(served) if r["ocid"] in found}
        assert all("bomber" in text for text in texts.values()), words
    tulcan = set(walk(client, {"q": "Tulcán"}, limit=100))
    assert tulcan and tulcan == set(walk(client, {"q": "tulcan"}, limit=100))
    design = set(walk(client, {"q": "diseños"}, limit=100))
    assert design == set(walk(client, {"q": "Diseño"}, limit=100)) and design
    assert walk(client, {"q": "zzzyqx"}) == []


def test_following_changes_from_the_start_rebuilds_the_store(served, client):
    releases, url = [], "/api/v1/changes?after=0&limit=97"
    while True:
        package = client.get(url).json()
        next_url = package["links"]["next"]
        if not package["releases"]:
            assert next_url.endswith(url.split("?")[1]) or "after=" in next_url
            break
        releases += package["releases"]
        url = next_url
    stored = [json.loads(line) for line in (served.run / "releases.jsonl").read_text().splitlines()]
    key = lambda r: (r["ocid"], r["id"])  # noqa: E731
    assert len(releases) == len(stored) == len({key(r) for r in releases})
    assert sorted(releases, key=key) == sorted(stored, key=key)


@pytest.mark.parametrize("by", ["", "year", "year,regime", "buyer", "province,procedure_type"])
def test_indicators_equal_the_command_line(served, client, by):
    command = [sys.executable, "-m", "ocds_pipeline.cli", "indicators", str(served.run / "compiled.jsonl"), "--format", "json"]
    cli = json.loads(subprocess.run(command + (["--by", by] if by else []), check=True, capture_output=True).stdout)
    response = client.get("/api/v1/indicators", params={"by": by})
    assert response.status_code == 200
    assert response.json() == cli
    csv = client.get("/api/v1/indicators", params={"by": by}, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv") and len(csv.text.splitlines()) == len(cli) + 1
