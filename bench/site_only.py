"""Build only the site of a publication into a new folder (bench: the site's own time, memory and size).

Usage: python bench/site_only.py STORE PUBLICATION OUT [WORKERS]
PUBLICATION is an existing publication of STORE (its indicators/ are what the site charts). The site reads
every process twice (its red flags, then its pages): a publication tallies its red flags with its statistics.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from ocds_pipeline.config import Config
from ocds_pipeline.publish.site import Site
from ocds_pipeline.publish.site.years import StoreSource
from ocds_pipeline.store import Store


def main() -> None:
    store_path, publication, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(publication / "indicators", out / "indicators")
    manifest = json.loads((publication / "datapackage.json").read_text(encoding="utf-8"))
    store = Store(store_path)
    try:
        Site(out, Config(), workers=workers).build(StoreSource(store), manifest["coverage"],
                                                   [r for r in manifest["resources"] if not r["path"].startswith("site/")])
    finally:
        store.close()


if __name__ == "__main__":
    main()
