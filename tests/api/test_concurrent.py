"""Paging and the change feed stay exact while another process adds releases to the store: no process
listed twice, none of those already there missed, every release added seen once."""

import json
import threading
import time

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import ingest_files
from ocds_pipeline.schemas import SchemaResolver
from ocds_pipeline.store import Store
from tests.api.conftest import Server
from tests.api.test_lists import walk


def additions(releases_jsonl, folder):
    """Three files: new releases of every fifth process, and new processes whose ocids sort between the
    existing ones (each existing ocid followed by ``-copy``)."""
    releases = [json.loads(line) for line in releases_jsonl.read_text().splitlines()]
    latest = {}
    for release in releases:
        latest[release["ocid"]] = release
    ocids = sorted(latest)
    updates = [{**latest[o], "id": f"{latest[o]['id']}-update", "date": "2026-11-30T12:00:00-05:00",
                "tag": ["tenderUpdate"]} for o in ocids[::5]]
    copies = [{**release, "ocid": f"{release['ocid']}-copy"} for release in releases if release["ocid"] in set(ocids[1::3])]
    paths = []
    for number, part in enumerate((updates[:25] + copies[:60], updates[25:] + copies[60:200], copies[200:])):
        path = folder / f"added-{number}.jsonl"
        path.write_text("".join(json.dumps(release) + "\n" for release in part))
        paths.append(path)
    return paths, set(ocids), {release["ocid"] for release in copies}


def test_paging_and_changes_while_a_run_adds_releases(filled, tmp_path):
    store_url = filled.copy(tmp_path)
    paths, before, added = additions(filled.folder / "run" / "releases.jsonl", tmp_path)
    server = Server.start(store_url, tmp_path)
    errors = []

    def add() -> None:
        try:
            store = Store(store_url)
            for path in paths:
                time.sleep(0.3)
                ingest_files([path], store, Config(), SchemaResolver.from_env())
            store.close()
        except Exception as error:  # reported by the test below
            errors.append(error)

    writer = threading.Thread(target=add)
    try:
        with server.client() as client:
            writer.start()
            listed, pages, changes, url = [], 0, [], "/api/v1/changes?limit=50"
            while writer.is_alive() or pages == 0:
                listed = walk(client, {}, limit=5)
                pages += 1
                package = client.get(url).json()
                changes += package["releases"]
                url = package["links"]["next"]
                assert listed == sorted(listed) and len(listed) == len(set(listed))
                assert before <= set(listed) <= before | added
            writer.join()
            assert not errors, errors
            while True:
                package = client.get(url).json()
                if not package["releases"]:
                    break
                changes += package["releases"]
                url = package["links"]["next"]
            status = client.get("/api/v1/status").json()
            assert set(walk(client, {}, limit=100)) == before | added
    finally:
        server.stop()
    keys = [(release["ocid"], release["id"]) for release in changes]
    assert len(keys) == len(set(keys)) == status["releases"]
    assert status["latest"] == status["indexed_through"]
