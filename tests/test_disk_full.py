"""A full disk (a small tmpfs, filled) gives one clear error and leaves the last publication and the store
whole; once space is freed, the rerun gives what an uninterrupted run gives."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from ocds_pipeline.atomic import DiskFull
from ocds_pipeline.cli import main
from ocds_pipeline.generate import generate
from ocds_pipeline.publish.processcache import ProcessCache
from tests.conftest import BAD
from tests.test_faults import Site, comparable, todays_source


@pytest.fixture
def small_disk(tmp_path):
    """A 32 MiB tmpfs: mounting needs root, which `make test` and CI have (the test fails, never skips, without)."""
    if os.geteuid() != 0:
        pytest.fail("the disk-full tests mount a tmpfs and need root (as `make test` runs in CI)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk, leave_kib: int) -> None:
    free = shutil.disk_usage(disk).free // 1024
    with open(disk / "ballast", "wb") as handle:
        handle.write(bytes((free - leave_kib) * 1024))


def run(source, out, store, publication=None):
    extra = ["--publication", str(publication)] if publication else []
    return CliRunner().invoke(main, ["--quiet", "run", str(source), "--out", str(out), "--store", str(store), *extra])


def test_publication_on_a_full_disk(tmp_path, small_disk):
    site = Site(small_disk)
    site.store = tmp_path / "store.sqlite"  # the store has room: only the files run out of it
    assert run(BAD / "base", site.out, site.store, site.publication).exit_code == 0
    before = site.published()
    fill(small_disk, leave_kib=40)

    source = todays_source(tmp_path)
    failed = run(source, site.out, site.store, site.publication)
    assert failed.exit_code == 2
    assert re.fullmatch(re.escape(f"error: no space left to write {small_disk}/") + r"\S+"
                        + re.escape(" (No space left on device): free some space and run again; no file was left "
                                    "half written, and the last publication is intact\n"), failed.stderr)
    assert site.published() == before
    assert not list(small_disk.rglob("*.tmp")) and not list(small_disk.rglob("*.partial"))

    (small_disk / "ballast").unlink()
    assert run(source, site.out, site.store, site.publication).exit_code == 0
    reference = Site(tmp_path / "reference")
    assert run(BAD / "base", reference.out, reference.store, reference.publication).exit_code == 0
    assert run(source, reference.out, reference.store, reference.publication).exit_code == 0
    assert comparable(site.published()) == comparable(reference.published())
    assert site.releases() == reference.releases()


def test_store_on_a_full_disk(tmp_path, small_disk):
    generate(tmp_path / "big", 300, seed=3)
    full, reference = Site(small_disk), Site(tmp_path / "reference")
    full.out = tmp_path / "out"  # only the store runs out of space
    for site in (full, reference):
        assert run(BAD / "base", site.out, site.store).exit_code == 0
    assert run(tmp_path / "big", reference.out, reference.store).exit_code == 0
    fill(small_disk, leave_kib=200)

    failed = run(tmp_path / "big", full.out, full.store)
    assert failed.exit_code == 2
    assert failed.stderr == ("error: the store ran out of disk space (database or disk is full): free some space and "
                             "run again; the store keeps every batch committed before, and the rerun finishes the job\n")
    expected = reference.releases()
    assert all(ids == expected[ocid] for ocid, ids in full.releases().items())  # intact, whole processes only

    (small_disk / "ballast").unlink()
    rerun = run(tmp_path / "big", full.out, full.store)
    assert rerun.exit_code == 0, rerun.stderr
    assert full.releases() == expected


def test_the_spreadsheet_rows_kept_on_a_full_disk_give_the_same_clear_error(small_disk):
    """The rows kept per process (publish/processcache.py) are written beside the publication: a full disk there is the
    same clear error as anywhere in the publication, not SQLite's own."""
    cache = ProcessCache(small_disk / "2025.sqlite", "rules", "2025")
    fill(small_disk, leave_kib=16)
    with pytest.raises(DiskFull, match=re.escape(f"no space left to write {small_disk}/2025.sqlite (No space left on device)")):
        for number in range(2_000):
            cache.get(f"ocds-{number}", str(number).encode(), lambda: ((os.urandom(2_000).hex(), ()),))
        cache.close()
    with open(small_disk / "more ballast", "wb") as handle:  # not a byte left: a new file cannot even be made
        handle.write(bytes(shutil.disk_usage(small_disk).free))
    with pytest.raises(DiskFull, match=re.escape(f"no space left to write {small_disk}/2026.sqlite")):
        ProcessCache(small_disk / "2026.sqlite", "rules", "2026")
