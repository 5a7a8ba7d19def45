"""The API under test: `ocds-pipeline serve` started as its own process on 127.0.0.1, over a store that
`run` filled from the bundled fixtures, on SQLite and on the throwaway PostgreSQL cluster."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ocds_pipeline.config import Config
from ocds_pipeline.pipeline import run
from ocds_pipeline.schemas import SchemaResolver
from tests.conftest import FIXTURES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `ocds-pipeline serve` process and an HTTP client for it."""

    process: subprocess.Popen
    base: str
    log: Path

    @classmethod
    def start(cls, store_url: str, folder: Path, publication: Path | None = None, config: dict | None = None,
              workers: int = 1) -> "Server":
        port = free_port()
        command = [sys.executable, "-m", "ocds_pipeline.cli"]
        if config:
            config_file = folder / f"api-config-{port}.yaml"
            config_file.write_text(json.dumps(config))
            command += ["--config", str(config_file)]
        command += ["serve", "--store", store_url, "--port", str(port), "--workers", str(workers), "--no-access-log"]
        if publication is not None:
            command += ["--publication", str(publication)]
        log = folder / f"server-{port}.log"
        process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=os.environ.copy())
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()}")
            try:
                if httpx.get(f"{server.base}/openapi.json", timeout=2).status_code == 200:  # not rate-limited
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        server.stop()
        raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()}")

    def client(self, **options) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30, **options)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Served:
    """A store filled by `run` from the fixtures, its run folder and publication, and a server over both."""

    backend: str
    store_url: str
    run: Path
    publication: Path
    server: Server
    folder: Path


def fill_store(store_url: str, folder: Path) -> None:
    run(FIXTURES, folder / "run", Config(), SchemaResolver.from_env(), store_url=store_url,
        publication_root=folder / "publication")


@dataclass
class Filled:
    """A store that `run` filled from the fixtures once per session, its run folder and publication. Tests
    never use it directly: :meth:`copy` gives each its own store with the same content."""

    backend: str
    store_url: str
    folder: Path
    cluster: object = None

    def copy(self, folder: Path) -> str:
        if self.backend == "sqlite":
            shutil.copy(self.folder / "store.sqlite", folder / "store.sqlite")
            return f"sqlite:///{folder / 'store.sqlite'}"
        return self.cluster.new_database(template=self.store_url)


@pytest.fixture(scope="session")
def filled_stores(request, tmp_path_factory):
    """backend -> :class:`Filled`, each filled on first use, once per session."""
    made: dict[str, Filled] = {}

    def get(backend: str) -> Filled:
        if backend not in made:
            folder = tmp_path_factory.mktemp(f"filled-{backend}")
            if backend == "sqlite":
                filled = Filled("sqlite", f"sqlite:///{folder / 'store.sqlite'}", folder)
            else:
                cluster = request.getfixturevalue("postgres_cluster")
                filled = Filled("postgresql", cluster.new_database(), folder, cluster)
            fill_store(filled.store_url, folder)  # closes the store: the file (or database) can be copied
            made[backend] = filled
        return made[backend]

    return get


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def filled(request, filled_stores) -> Filled:
    return filled_stores(request.param)


@pytest.fixture(scope="session")
def filled_sqlite(filled_stores) -> Filled:
    return filled_stores("sqlite")


@pytest.fixture(scope="session")
def served(filled, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"api-{filled.backend}")
    store_url = filled.copy(folder)
    server = Server.start(store_url, folder, filled.folder / "publication")
    yield Served(filled.backend, store_url, filled.folder / "run", filled.folder / "publication", server, folder)
    server.stop()


@pytest.fixture
def client(served):
    with served.server.client() as http:
        yield http


def records(served: Served) -> dict[str, dict]:
    """The records of the run's records.json, by ocid."""
    return {record["ocid"]: record for record in json.loads((served.run / "records.json").read_text())["records"]}


def compiled(served: Served) -> list[dict]:
    return [json.loads(line) for line in (served.run / "compiled.jsonl").read_text().splitlines()]
