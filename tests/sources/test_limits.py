"""Reader limits (ocds_pipeline/sources/limits.py): each one, set in the configuration, refuses what
passes it with a message naming the limit and its key, exit code 2, and nothing written."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import pytest
import yaml
from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.config import ConfigError, load_config
from ocds_pipeline.sources.limits import ReaderLimits, applied
from ocds_pipeline.sources.ocds import NotOCDSError, read_ocds
from tests.conftest import BAD

RELEASE = {"ocid": "ocds-5wno2w-L-1", "id": "1", "date": "2024-03-01T09:00:00-05:00", "tag": ["tender"]}


def package(*releases) -> bytes:
    return json.dumps({"version": "1.1", "releases": list(releases)}).encode()


def refused(tmp_path, settings: dict, *args: str) -> str:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    result = CliRunner().invoke(main, ["--quiet", "--config", str(config), *args])
    assert result.exit_code == 2, result.output
    assert [p for p in (tmp_path / "out").rglob("*") if p.is_file()] == []
    return result.stderr


def nested(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"x": value}
    return value


def test_nesting(tmp_path):
    (tmp_path / "deep.json").write_bytes(package({**RELEASE, "tender": nested(30)}))
    assert refused(tmp_path, {"max_nesting": 20}, "compile", str(tmp_path / "deep.json"), "--out", str(tmp_path / "out")) \
        == "error: deep.json: release '1' of 'ocds-5wno2w-L-1' nests deeper than 20 levels (the limit, max_nesting): refused\n"


def test_input_size(tmp_path):
    body = package(RELEASE)
    (tmp_path / "big.json").write_bytes(body)
    assert refused(tmp_path, {"max_input_bytes": 100}, "compile", str(tmp_path / "big.json"), "--out", str(tmp_path / "out")) \
        == f"error: big.json is {len(body):,} bytes, more than the limit (100, max_input_bytes); refusing it\n"


def test_zip_members(tmp_path):
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as archive:
        for number in range(4):
            archive.writestr(f"{number}.json", package({**RELEASE, "id": str(number)}))
    assert refused(tmp_path, {"max_zip_members": 3}, "compile", str(tmp_path / "many.zip"), "--out", str(tmp_path / "out")) \
        == "error: many.zip is a zip archive of 4 files, more than the limit (3, max_zip_members); refusing the archive\n"


def test_zip_bomb(tmp_path):
    body = package({**RELEASE, "description": " " * 1_000_000})
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.json", body)
    compressed = zipfile.ZipFile(tmp_path / "bomb.zip").getinfo("bomb.json").compress_size
    assert refused(tmp_path, {"max_compression_ratio": 100}, "compile", str(tmp_path / "bomb.zip"), "--out",
                   str(tmp_path / "out")) == (
        f"error: bomb.zip:bomb.json decompresses to {len(body):,} bytes from {compressed:,}, more than 100 times "
        "(max_compression_ratio): a zip bomb? refusing it\n")


def test_gzip_bomb_is_stopped_while_it_is_read(tmp_path):
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(package({**RELEASE, "description": " " * 5_000_000})))
    size = path.stat().st_size
    with applied(ReaderLimits(max_compression_ratio=100)), pytest.raises(NotOCDSError) as error:
        list(read_ocds(path))
    assert str(error.value) == (f"bomb.json.gz decompresses to more than {100 * size:,} bytes from {size:,}, more than "
                                "100 times (max_compression_ratio): a gzip bomb? refusing it")
    with applied(ReaderLimits(max_compression_ratio=100_000)):  # the same file, allowed
        assert [r["id"] for r in read_ocds(path)] == ["1"]


def test_a_csv_table_over_the_size_limit(tmp_path):
    size = (BAD / "base" / "entidades.csv").stat().st_size
    stderr = refused(tmp_path, {"max_input_bytes": size - 1}, "run", str(BAD / "base"), "--out", str(tmp_path / "out"),
                     "--store", str(tmp_path / "store.sqlite"))
    assert stderr == (f"error: {BAD / 'base' / 'entidades.csv'} is {size:,} bytes, more than the limit "
                      f"({size - 1:,}, max_input_bytes)\n")


@pytest.mark.parametrize("settings", [{"max_nesting": 251}, {"max_zip_members": 0}])
def test_limits_out_of_range_are_configuration_errors(tmp_path, settings):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert str(error.value).startswith("config keys max_field_size, max_nesting, max_input_bytes, max_zip_members, "
                                       "max_compression_ratio must be positive, and max_nesting at most 250")


def test_the_defaults_read_a_normal_archive(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json.gz", gzip.compress(package(RELEASE)))
    (tmp_path / "ok.zip").write_bytes(buffer.getvalue())
    assert [r["id"] for r in read_ocds(tmp_path / "ok.zip")] == ["1"]
