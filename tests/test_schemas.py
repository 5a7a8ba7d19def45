import pytest

from ocds_pipeline.schemas import SchemaError, SchemaResolver, extension_urls, load_pins
from tests.conftest import schema_dirs


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
    resolver = SchemaResolver(search_dirs=[tmp_path], cache_dir=tmp_path / "cache")
    with pytest.raises(SchemaError) as error:
        resolver.resolve("ocds-1.1.5/release-schema.json")
    message = str(error.value)
    assert "has sha256" in message and "OCDS_PIPELINE_SCHEMA_PATH" in message and "schemas fetch --download" in message


def test_missing_file_without_network_says_how_to_fix(tmp_path):
    resolver = SchemaResolver(search_dirs=[tmp_path], cache_dir=tmp_path / "cache", allow_network=False)
    with pytest.raises(SchemaError, match="not found. Looked in: .*Fix: point OCDS_PIPELINE_SCHEMA_PATH"):
        resolver.resolve("ocds-1.1.5/release-schema.json")
    with pytest.raises(SchemaError, match="is not pinned"):
        resolver.resolve("ocds-9.9/release-schema.json")


def test_fetch_fills_the_cache_then_the_cache_alone_is_enough(resolver, tmp_path):
    results = dict(resolver.fetch())
    assert set(results.values()) == {"copied"}
    cache_only = SchemaResolver(search_dirs=[], cache_dir=resolver.cache_dir, allow_network=False)
    assert all(path is not None for _, path, _ in cache_only.check())
    assert set(dict(cache_only.fetch()).values()) == {"cached"}
