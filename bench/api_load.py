"""Load test of the API on loopback: record lookups and filtered pages with 1, 10 and 50 concurrent clients
over a 100,000-process store, on SQLite and on PostgreSQL (bench/README.md, "The API").

The server is `ocds-pipeline serve` (uvicorn, 2 workers, rate limit off); the load comes from wrk
(Debian's package, installed when missing), each run bounded to DURATION seconds. Every request
asks for a different ocid or filter, drawn from the store. Prints one Markdown row per run.

Usage: python bench/api_load.py [--sizes 100000] [--backends sqlite,postgresql] [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from bench.run import CLI, OUT, _store, measure  # noqa: E402

CLIENTS = (1, 10, 50)
WORKERS = int(__import__("os").environ.get("API_WORKERS", "2"))
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def _ensure_wrk() -> str:
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk")


def _indexed(url: str) -> float:
    """Bring the store's compiled releases and search index up to date (migrating it first); the seconds it took."""
    from ocds_pipeline.config import Config
    from ocds_pipeline.publish import record_builder
    from ocds_pipeline.publish.cache import refresh_compiled
    from ocds_pipeline.schemas import SchemaResolver
    from ocds_pipeline.store import Store

    start = time.perf_counter()
    store = Store(url)
    refresh_compiled(store, record_builder(Config(), SchemaResolver.from_env()), workers=2)
    store.close()
    return time.perf_counter() - start


def _sqlite_store(n: int) -> tuple[str, float]:
    copy = OUT / f"api-store-{n}.sqlite"
    if not copy.exists():
        shutil.copy(_store(n), copy)
    return f"sqlite:///{copy}", _indexed(str(copy))


def _postgresql_store(n: int, cluster) -> tuple[str, float, float]:
    url = cluster.new_database()
    seconds, _ = measure([*CLI, "ingest", str(OUT / f"map-{n}" / "releases.jsonl"), "--store", url])
    return url, seconds, _indexed(url)


def _paths(base: str, folder: Path) -> dict[str, Path]:
    """Request paths for each scenario, drawn from the store through the API itself."""
    ocids, years, buyers = [], set(), set()
    with httpx.Client(base_url=base, timeout=60) as client:
        url = "/api/v1/compiled-releases?limit=1000"
        while url and len(ocids) < 20_000:
            package = client.get(url).json()
            for release in package["releases"]:
                ocids.append(release["ocid"])
                years.add((release.get("tender", {}).get("tenderPeriod", {}).get("startDate") or release["date"])[:4])
                buyers.add(release.get("buyer", {}).get("id"))
            url = package.get("links", {}).get("next")
    years, buyers = sorted(years), sorted(b for b in buyers if b)
    random.seed(1)
    random.shuffle(ocids)
    scenarios = {
        "record": [f"/api/v1/records/{ocid}" for ocid in ocids],
        "filtered page": [f"/api/v1/compiled-releases?year={random.choice(years)}&regime={random.choice(['common', 'special'])}"
                          f"&limit=20" for _ in range(2000)]
                         + [f"/api/v1/compiled-releases?buyer={buyer}&limit=20" for buyer in buyers],
    }
    files = {}
    for name, paths in scenarios.items():
        random.shuffle(paths)
        files[name] = folder / f"paths-{name.replace(' ', '-')}.txt"
        files[name].write_text("\n".join(paths) + "\n")
    return files


def _wrk(wrk: str, base: str, paths: Path, clients: int, duration: int) -> dict[str, float]:
    script = paths.with_suffix(".lua")
    script.write_text(LUA % paths)
    threads = 1 if clients == 1 else 2
    out = subprocess.run([wrk, "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--latency", "-s", str(script),
                          base], check=True, capture_output=True, text=True).stdout
    latency = {p: _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M)}
    if len(latency) != 2:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors or non_2xx:
        print(f"<!-- wrk: {' / '.join(line.strip() for line in out.splitlines() if 'error' in line or 'Non-2xx' in line)} -->")
    return {"requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": latency["50"], "p99": latency["99"], "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0)}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _serve(url: str, folder: Path) -> tuple[subprocess.Popen, str]:
    from tests.api.conftest import free_port

    port = free_port()
    config = folder / "api-bench.yaml"
    config.write_text(json.dumps({"api_rate_limit": 0}))
    server = subprocess.Popen([*CLI, "--config", str(config), "serve", "--store", url, "--port", str(port), "--workers", str(WORKERS),
                               "--no-access-log"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the API server did not start")


def run(backends: list[str], sizes: list[int], duration: int, scenarios: list[str] | None = None) -> None:
    wrk = _ensure_wrk()
    cluster = None
    print("| store | processes | scenario | clients | requests | requests/s | p50 (ms) | p99 (ms) | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    try:
        for n in sizes:
            for backend in backends:
                if backend == "sqlite":
                    url, indexed = _sqlite_store(n)
                    print(f"<!-- SQLite store of {n:,} processes indexed in {indexed:.1f} s -->", flush=True)
                else:
                    from tests.postgres import Cluster

                    cluster = cluster or Cluster()
                    url, ingested, indexed = _postgresql_store(n, cluster)
                    print(f"<!-- PostgreSQL store of {n:,} processes: ingested in {ingested:.1f} s, indexed in {indexed:.1f} s -->",
                          flush=True)
                folder = OUT / f"api-{backend}-{n}"
                folder.mkdir(exist_ok=True)
                server, base = _serve(url, folder)
                try:
                    files = _paths(base, folder)
                    for scenario, paths in files.items():
                        if scenarios and scenario not in scenarios:
                            continue
                        _wrk(wrk, base, paths, 10, 2)  # warm the workers' caches and pools
                        for clients in CLIENTS:
                            r = _wrk(wrk, base, paths, clients, duration)
                            print(f"| {backend} | {n:,} | {scenario} | {clients} | {r['requests']:,} | {r['rps']:,.0f} | "
                                  f"{r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |", flush=True)
                finally:
                    server.terminate()
                    server.wait()
    finally:
        if cluster is not None:
            cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--scenarios", default="", help="Comma-separated: record, filtered page (default: both).")
    args = parser.parse_args()
    run(args.backends.split(","), [int(n) for n in args.sizes.split(",")], args.duration,
        [s for s in args.scenarios.split(",") if s] or None)


if __name__ == "__main__":
    main()
