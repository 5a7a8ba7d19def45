"""Records and releases by ocid, over HTTP, equal to the published files; HTTP validators, compression,
CORS and cache headers; errors as problem details."""

import json

from tests.api.conftest import compiled, records


def test_every_record_equals_the_one_in_records_json(served, client):
    expected = records(served)
    assert len(expected) == 240
    for ocid, record in expected.items():
        response = client.get(f"/api/v1/records/{ocid}")
        assert response.status_code == 200, ocid
        package = response.json()
        assert package["records"] == [record]
        assert package["version"] == "1.1"
        assert package["publishedDate"] == max(link["date"] for link in record["releases"])
        assert package["uri"] == f"{served.server.base}/api/v1/records/{ocid}"


def test_a_versioned_record_has_every_value_with_the_release_it_came_from(served, client):
    ocid, record = next((o, r) for o, r in records(served).items() if len(r["releases"]) >= 3)
    package = client.get(f"/api/v1/records/{ocid}", params={"versioned": "true"}).json()
    versioned = package["records"][0]["versionedRelease"]
    assert package["records"][0]["compiledRelease"] == record["compiledRelease"]
    release_ids = {link["url"].split("#")[1] for link in record["releases"]}
    title = versioned["tender"]["title"]
    assert title and {version["releaseID"] for version in title} <= release_ids
    assert title[-1]["value"] == record["compiledRelease"]["tender"]["title"]


def test_the_releases_of_a_process_are_those_the_store_published(served, client):
    published = {}
    for line in (served.run / "releases.jsonl").read_text().splitlines():
        release = json.loads(line)
        published.setdefault(release["ocid"], []).append(release)
    for ocid in list(published)[:40]:
        package = client.get("/api/v1/releases", params={"ocid": ocid}).json()
        assert package["releases"] == published[ocid]


def test_an_unknown_ocid_is_a_404_problem(client):
    for response in (client.get("/api/v1/records/ocds-5wno2w-NOPE"), client.get("/api/v1/releases", params={"ocid": "x"})):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 404 and body["title"] == "Not Found" and "no process" in body["detail"]


def test_a_bad_parameter_is_a_400_naming_it(client):
    cases = {"/api/v1/compiled-releases?limit=0": "limit", "/api/v1/compiled-releases?limit=100000": "limit",
             "/api/v1/compiled-releases?year=20x4": "year", "/api/v1/compiled-releases?cursor=%21%21": "cursor",
             "/api/v1/changes?after=-1": "after", "/api/v1/changes?after=abc": "after",
             "/api/v1/indicators?by=colour": "by", "/api/v1/records/x?versioned=maybe": "versioned",
             "/api/v1/releases": "ocid", "/api/v1/compiled-releases?updated_since=yesterday": "updated_since"}
    for url, name in cases.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.headers["content-type"] == "application/problem+json"
        assert [param["name"] for param in response.json()["invalid_params"]] == [name], url


def test_nul_bytes_are_400s_and_search_syntax_is_only_text(client):
    for url, name in {"/api/v1/records/x%00y": "path", "/api/v1/releases?ocid=%00": "ocid",
                      "/api/v1/compiled-releases?q=%00": "q", "/api/v1/compiled-releases?limit=5&buyer=a%00": "buyer"}.items():
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json()["invalid_params"] == [{"name": name, "reason": "NUL characters are not allowed"}]
    for url in ("/api/v1/compiled-releases?q=%22%2A%28OR", "/api/v1/compiled-releases?q=NEAR%28a+b%29",
                "/api/v1/compiled-releases?q=title%3Abomberos+OR+x", "/api/v1/compiled-releases?q=%27%3B+DROP+TABLE+search%3B",
                "/api/v1/compiled-releases?province=%F0%9F%92%A5"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.text)
        assert response.json()["releases"] == [], url
    assert client.get("/api/v1/status").json()["processes"] == 240


def test_etag_gives_304_and_cache_control_follows_the_schedule(served, client):
    ocid = next(iter(records(served)))
    first = client.get(f"/api/v1/records/{ocid}")
    assert first.headers["cache-control"] == "public, max-age=3600"
    again = client.get(f"/api/v1/records/{ocid}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == first.headers["etag"]
    other = client.get(f"/api/v1/records/{ocid}", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    page = client.get("/api/v1/compiled-releases", params={"limit": 3})
    assert client.get("/api/v1/compiled-releases", params={"limit": 3},
                      headers={"If-None-Match": page.headers["etag"]}).status_code == 304
    assert client.get("/api/v1/changes").headers["cache-control"] == "public, max-age=60"


def test_gzip_and_cors(served, client):
    ocid = next(iter(records(served)))
    zipped = client.get(f"/api/v1/records/{ocid}", headers={"Accept-Encoding": "gzip", "Origin": "https://example.org"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["access-control-allow-origin"] == "*"
    assert "etag" in zipped.headers["access-control-expose-headers"].lower()
    plain = client.get(f"/api/v1/records/{ocid}", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == zipped.json()
    preflight = client.options("/api/v1/compiled-releases", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["access-control-allow-methods"]


def test_the_publication_and_the_description_are_served(served, client):
    home = client.get("/")
    assert home.status_code == 200 and "<html" in home.text
    manifest = client.get("/datapackage.json").json()
    assert manifest["resources"]
    described = client.get("/openapi.json").json()
    assert set(described["paths"]) == {"/api/v1/records/{ocid}", "/api/v1/releases", "/api/v1/compiled-releases",
                                       "/api/v1/changes", "/api/v1/indicators", "/api/v1/status"}
    page = client.get("/api/v1/")
    assert page.status_code == 200 and "/api/v1/compiled-releases" in page.text and "<script" not in page.text
    missing = client.get("/no-such-file.json")
    assert missing.status_code == 404


def test_compiled_releases_are_those_of_compiled_jsonl(served, client):
    expected = {release["ocid"]: release for release in compiled(served)}
    seen = {}
    url = "/api/v1/compiled-releases?limit=1000"
    package = client.get(url).json()
    for release in package["releases"]:
        seen[release["ocid"]] = release
    assert "links" not in package
    assert seen == expected
