"""Reference compile for the benchmark: JSON Lines of releases -> compiled releases, one per line.

``--engine ocdsmerge-rs`` (Rust, via its Python binding) or ``--engine ocdsmerge`` (the Python
reference). Releases are read with orjson and grouped by ocid in memory, as those libraries have
no streaming front end of their own. Used only by bench/run.py; not part of the package.
"""

from __future__ import annotations

import argparse
import json
import warnings
from collections import defaultdict

import orjson


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("releases")
    parser.add_argument("schema")
    parser.add_argument("out")
    parser.add_argument("--engine", choices=["ocdsmerge-rs", "ocdsmerge"], required=True)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # ocdsmerge-rs warns about every pair of releases with equal dates
    with open(args.schema) as handle:
        schema = json.load(handle)
    if args.engine == "ocdsmerge-rs":
        import ocdsmerge_rs

        merger = ocdsmerge_rs.Merger(rules=ocdsmerge_rs.Merger.get_rules(ocdsmerge_rs.Merger.dereference(schema)))
        compile_one = merger.create_compiled_release
    else:
        import ocdsmerge

        compile_one = ocdsmerge.Merger(schema).create_compiled_release
    by_ocid = defaultdict(list)
    with open(args.releases, "rb") as handle:
        for line in handle:
            release = orjson.loads(line)
            by_ocid[release["ocid"]].append(release)
    with open(args.out, "wb") as out:
        for ocid in sorted(by_ocid):
            releases = sorted(by_ocid[ocid], key=lambda r: r["date"])  # ocdsmerge-rs needs date order
            out.write(orjson.dumps(compile_one(releases)) + b"\n")


if __name__ == "__main__":
    main()
