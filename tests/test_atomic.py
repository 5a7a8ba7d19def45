"""Atomic outputs: a gzip output gets its many small writes in large blocks, the same bytes as one write."""

import gzip

import pytest

from ocds_pipeline.atomic import atomic_output


def test_a_gzip_output_compresses_large_blocks_and_gives_the_bytes_of_one_write(tmp_path, monkeypatch):
    """A year's package is a million small writes (each release, each comma): one compressor call each cost a
    quarter of the gzip time on Python 3.11, whose GzipFile does not buffer. Deflate does not depend on how its
    input is cut, so blocks give the bytes a single write gives."""
    pieces = [b'{"id":"%d","tag":["tender"]}' % n for n in range(20_000)]
    calls = []
    write = gzip.GzipFile.write
    monkeypatch.setattr(gzip.GzipFile, "write", lambda self, data: calls.append(len(data)) or write(self, data))
    with atomic_output(tmp_path / "many.json.gz") as handle:
        for piece in pieces:
            handle.write(piece)
    assert 0 < len(calls) <= 2
    monkeypatch.undo()
    with atomic_output(tmp_path / "one.json.gz") as handle:
        handle.write(b"".join(pieces))
    assert (tmp_path / "many.json.gz").read_bytes() == (tmp_path / "one.json.gz").read_bytes()
    assert gzip.decompress((tmp_path / "many.json.gz").read_bytes()) == b"".join(pieces)


def test_an_interrupted_gzip_output_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), atomic_output(tmp_path / "cut.json.gz") as handle:
        handle.write(b"x" * 10)
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
