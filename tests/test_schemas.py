import os
import shutil
import subprocess
import sys

import pytest

from ocds_pipeline.schemas import SchemaError, SchemaResolver, extension_urls, load_pins
from tests.conftest import FIXTURES, schema_dirs, shared_schemas

CORE = "ocds-1.1.5/release-schema.json"


def test_pins_cover_ocds_oc4ids_and_extensions():
    pins = load_pins()
    assert "ocds-1.1.5/release-schema.json" in pins
    assert "oc4ids-0.9.5/project-schema.json" in pins
    assert "ocds-extensions/ocds_bid_extension/release-schema.json" in pins
    assert all(len(p.sha256) == 64 and p.url.startswith("https://") for p in pins.values())
    assert extension_urls()["ocds_bid_extension"].endswith("/v1.1.5/extension.json")


def test_every_pinned_file_resolves_offline_and_verifies(resolver):
    problems = [(name, status) for name, path, status in resolver.check() if path is None]
    assert problems == []
    assert resolver.load_json("ocds-1.1.5/release-schema.json")["id"].endswith("1__1__5/release-schema.json")


def test_tampered_file_is_refused_with_instructions(tmp_path):
    source = schema_dirs()[0] / "ocds-1.1.5" / "release-schema.json"
    (tmp_path / "ocds-1.1.5").mkdir()
    (tmp_path / "ocds-1.1.5" / "release-schema.json").write_bytes(source.read_bytes() + b"\n")
    resolver = SchemaResolver(search_dirs=[tmp_path], cache_dir=tmp_path / "cache", allow_network=False)
    with pytest.raises(SchemaError) as error:
        resolver.resolve("ocds-1.1.5/release-schema.json")
    message = str(error.value)
    assert "has sha256" in message and "OCDS_PIPELINE_SCHEMA_PATH" in message and "OCDS_PIPELINE_SCHEMA_MIRROR" in message


def test_missing_file_without_network_says_how_to_fix(tmp_path):
    resolver = SchemaResolver(search_dirs=[tmp_path], cache_dir=tmp_path / "cache", allow_network=False)
    with pytest.raises(SchemaError, match="not found. Looked in: .*Downloads are off .*Fix: point OCDS_PIPELINE_SCHEMA_PATH"):
        resolver.resolve("ocds-1.1.5/release-schema.json")
    with pytest.raises(SchemaError, match="is not pinned"):
        resolver.resolve("ocds-9.9/release-schema.json")


def test_fetch_fills_the_cache_then_the_cache_alone_is_enough(resolver, tmp_path):
    results = dict(resolver.fetch())
    assert set(results.values()) == {"copied"}
    cache_only = SchemaResolver(search_dirs=[], cache_dir=resolver.cache_dir, allow_network=False)
    assert all(path is not None for _, path, _ in cache_only.check())
    assert set(dict(cache_only.fetch()).values()) == {"cached"}


def test_first_use_downloads_from_the_mirror_once_verified_and_cached(tmp_path, serve):
    mirror, told = serve(shared_schemas()), []
    resolver = SchemaResolver(search_dirs=[], cache_dir=tmp_path / "cache", mirror=mirror, report=told.append)
    path = resolver.resolve(CORE)
    assert path == tmp_path / "cache" / CORE
    assert path.read_bytes() == (shared_schemas() / CORE).read_bytes()
    assert told == [f"downloaded {CORE} from {mirror}/{CORE} (sha256 verified) into {tmp_path / 'cache'}"]
    again = SchemaResolver(search_dirs=[], cache_dir=tmp_path / "cache", mirror="http://127.0.0.1:9/none", report=told.append)
    assert again.resolve(CORE) == path and len(told) == 1  # from the cache: nothing downloaded


def tampered_mirror(tmp_path):
    copy = tmp_path / "mirror"
    shutil.copytree(shared_schemas() / "ocds-1.1.5", copy / "ocds-1.1.5")
    body = (copy / CORE).read_bytes()
    (copy / CORE).write_bytes(body.replace(b'"title": "Release Date"', b'"title": "Release date"', 1))
    assert (copy / CORE).read_bytes() != body
    return copy


def test_a_download_that_fails_the_hash_is_refused_and_never_cached(tmp_path, serve):
    mirror = serve(tampered_mirror(tmp_path))
    resolver = SchemaResolver(search_dirs=[], cache_dir=tmp_path / "cache", mirror=mirror, report=print)
    with pytest.raises(SchemaError, match=rf"download of {mirror}/{CORE} has sha256 [0-9a-f]{{64}}, expected [0-9a-f]{{64}} "
                                          r"\(schemas/upstream.json\): refused, not cached"):
        resolver.resolve(CORE)
    assert not (tmp_path / "cache" / CORE).exists()


def test_an_unreachable_mirror_is_a_clear_error(tmp_path):
    resolver = SchemaResolver(search_dirs=[], cache_dir=tmp_path / "cache", mirror="http://127.0.0.1:9")
    with pytest.raises(SchemaError, match=rf"cannot download '{CORE}' from http://127.0.0.1:9/{CORE}: .*OCDS_PIPELINE_SCHEMA_MIRROR"):
        resolver.resolve(CORE)


def cli_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCDS_PIPELINE_")}
    return {**env, "XDG_CACHE_HOME": str(tmp_path / "xdg"), **extra}


def cli(*args, env):
    return subprocess.run([sys.executable, "-m", "ocds_pipeline.cli", *args], capture_output=True, text=True, env=env)


def test_run_on_a_fresh_machine_downloads_the_pinned_files_from_a_mirror(tmp_path, serve):
    """No OCDS_PIPELINE_SCHEMA_PATH, an empty cache: `run` alone is enough (the README's two commands)."""
    env = cli_env(tmp_path, OCDS_PIPELINE_SCHEMA_MIRROR=serve(shared_schemas()))
    first = cli("run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store.sqlite"), env=env)
    assert first.returncode == 0, first.stderr
    downloaded = [line for line in first.stderr.splitlines() if line.startswith("downloaded ")]
    assert f"downloaded {CORE} from {env['OCDS_PIPELINE_SCHEMA_MIRROR']}/{CORE} (sha256 verified) into " \
           f"{tmp_path / 'xdg' / 'ocds_pipeline'}" in downloaded
    assert len(downloaded) == len(set(downloaded)) >= 8  # the core, codelists and the published extensions, once each
    assert (tmp_path / "out" / "records.json").stat().st_size > 1_000_000
    offline = cli("--offline", "run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store.sqlite"),
                  env={**env, "OCDS_PIPELINE_SCHEMA_MIRROR": "http://127.0.0.1:9"})
    assert offline.returncode == 0, offline.stderr
    assert "downloaded" not in offline.stderr  # everything came from the cache


def test_run_refuses_a_tampered_download(tmp_path, serve):
    env = cli_env(tmp_path, OCDS_PIPELINE_SCHEMA_MIRROR=serve(tampered_mirror(tmp_path)))
    result = cli("run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store.sqlite"), env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: download of {env['OCDS_PIPELINE_SCHEMA_MIRROR']}/{CORE} has sha256 ")
    assert result.stderr.strip().endswith("refused, not cached")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "xdg" / "ocds_pipeline" / CORE).exists()


def test_offline_with_nothing_local_says_what_to_do(tmp_path):
    result = cli("--offline", "validate", str(FIXTURES / "procedimientos.csv"), env=cli_env(tmp_path))
    assert result.returncode == 2
    assert "Downloads are off" in result.stderr and "OCDS_PIPELINE_SCHEMA_MIRROR" in result.stderr
