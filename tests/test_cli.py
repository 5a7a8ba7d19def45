import json
import shutil

from click.testing import CliRunner

from ocds_pipeline.cli import main
from tests.conftest import BAD, FIXTURES


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_every_command_has_help_with_examples():
    for command in (["check"], ["map"], ["run"], ["ingest"], ["compile"], ["oc4ids"], ["indicators"], ["redflags"], ["generate"],
                    ["schemas", "check"], ["schemas", "fetch"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_run_on_fixtures_writes_summary_and_exits_0(tmp_path):
    result = invoke("run", str(FIXTURES), "--out", str(tmp_path), "--store", str(tmp_path / "store.sqlite"))
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total"]["rejected"] == 0
    assert summary["tables"]["procedimientos"] == {"read": 240, "accepted": 240, "rejected": 0}
    assert "TOTAL" in result.output


def test_run_with_reports_only_leaves_the_store_s_files_to_the_publication(tmp_path):
    out, publication = tmp_path / "out", tmp_path / "publication"
    result = invoke("run", str(FIXTURES), "--out", str(out), "--store", str(tmp_path / "store.sqlite"),
                    "--publication", str(publication), "--reports-only")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == ["rejects.csv", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["store"] == {"releases": summary["releases"], "processes": 240}
    assert summary["publication"]["processes"] == 240
    assert "the store has" in result.output and "published" in result.output


def test_rejects_above_threshold_exit_1(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(BAD / "base", source)
    shutil.copy(BAD / "procedimientos--unknown-status.csv", source / "procedimientos.csv")
    result = invoke("check", str(source), "--rejects", str(tmp_path / "rejects.csv"))
    assert result.exit_code == 1
    assert "above the limit 1.00%" in result.output
    assert invoke("check", str(source), "--max-reject-rate", "0.5").exit_code == 0


def test_usage_errors_exit_2_with_a_message(tmp_path):
    result = invoke("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "is not a folder of CSV files" in result.output
    (tmp_path / "bad.yaml").write_text("ocid_prefx: x\n")
    result = invoke("--config", str(tmp_path / "bad.yaml"), "check", str(FIXTURES))
    assert result.exit_code == 2
    assert "unknown config keys: ocid_prefx" in result.output


def test_generate_command(tmp_path):
    result = invoke("generate", "--procedures", "25", "--seed", "3", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert "procedimientos                    25" in result.output


def test_map_writes_the_release_files(tmp_path):
    result = invoke("map", str(FIXTURES), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "240 processes, 1,460 releases" in result.output
    assert "contractAmendment 33" in result.output
    for name in ("releases.json", "releases.jsonl", "rejects.csv", "summary.json"):
        assert (tmp_path / name).stat().st_size > 0


def test_run_twice_with_a_store(tmp_path):
    args = ("run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store.sqlite"))
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert "run 1: added 1,460 releases (0 updates of earlier ones)" in first.output
    files = {name: (tmp_path / "out" / name).read_bytes() for name in ("releases.json", "records.json", "compiled.jsonl",
                                                                         "summary.json")}
    second = invoke(*args)
    assert second.exit_code == 0, second.output
    assert "run 2: added 0 releases (0 updates of earlier ones); the store has 1,460 releases of 240 processes" in second.output
    assert {name: (tmp_path / "out" / name).read_bytes() for name in files} == files  # rewritten byte for byte


def test_ingest_and_compile_commands(tmp_path):
    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    result = invoke("ingest", str(tmp_path / "map" / "releases.json"), "--store", str(tmp_path / "s.sqlite"),
                    "--out", str(tmp_path / "pub"))
    assert result.exit_code == 0, result.output
    assert "added 1,460 releases; 0 were already stored; 0 rejected" in result.output
    assert "published 1,460 releases of 240 processes" in result.output
    result = invoke("compile", str(tmp_path / "map" / "releases.jsonl"), "--out", str(tmp_path / "rec"))
    assert "compiled 240 processes from 1,460 releases" in result.output
    assert (tmp_path / "rec" / "compiled.jsonl").read_bytes() == (tmp_path / "pub" / "compiled.jsonl").read_bytes()


def test_compile_compiled_only_writes_the_same_compiled_releases_and_nothing_else(tmp_path):
    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    releases = str(tmp_path / "map" / "releases.jsonl")
    assert invoke("compile", releases, "--out", str(tmp_path / "all")).exit_code == 0
    result = invoke("compile", releases, "--out", str(tmp_path / "only"), "--compiled-only", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "compiled 240 processes from 1,460 releases" in result.stdout
    assert sorted(path.name for path in (tmp_path / "only").iterdir()) == ["compiled.jsonl"]
    assert (tmp_path / "only" / "compiled.jsonl").read_bytes() == (tmp_path / "all" / "compiled.jsonl").read_bytes()
    refused = invoke("compile", releases, "--out", str(tmp_path / "v"), "--compiled-only", "--versioned")
    assert refused.exit_code == 2 and "--compiled-only writes no record" in refused.output
    assert not (tmp_path / "v").exists()


def test_compile_refuses_what_is_not_ocds(tmp_path):
    (tmp_path / "x.json").write_text('{"hello": 1}')
    result = invoke("compile", str(tmp_path / "x.json"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "is not OCDS: expected a release package, record package, release or record" in result.output


def test_indicators_command_formats(tmp_path):
    import pandas as pd

    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    releases = str(tmp_path / "map" / "releases.jsonl")
    result = invoke("indicators", releases, "--by", "year,regime")
    assert result.exit_code == 0
    assert result.stdout.startswith("year,regime,indicator,name_en,numerator,denominator,value,eligible,coverage")
    result = invoke("indicators", releases, "--processes", str(tmp_path / "p.csv"), "--out", str(tmp_path / "i.csv"))
    per_process = pd.read_csv(tmp_path / "p.csv", encoding="utf-8-sig")
    assert len(per_process) == 240
    not_computable = per_process[per_process["single_bidder"].isna()]
    assert len(not_computable) > 0 and not_computable["single_bidder_why"].str.startswith("no tender.numberOfTenderers").all()
    assert set(per_process["single_bidder"].dropna()) == {0.0, 1.0}  # the fixtures have both
    result = invoke("indicators", releases, "--format", "parquet", "--out", str(tmp_path / "i.parquet"))
    assert result.exit_code == 0
    assert set(pd.read_parquet(tmp_path / "i.parquet")["indicator"]) >= {"SB-C", "RE-A"}
    assert invoke("indicators", releases, "--by", "colour").exit_code == 2
    assert "needs --out" in invoke("indicators", releases, "--format", "parquet").output


def test_redflags_command(tmp_path):
    import json

    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    result = invoke("redflags", str(tmp_path / "map" / "releases.jsonl"), "--out", str(tmp_path / "flags.json"))
    assert result.exit_code == 0
    flags = json.loads((tmp_path / "flags.json").read_text())
    assert {"OCID", "Meta"} <= set(flags) <= {"OCID", "Buyer", "ProcuringEntity", "Tenderer", "Meta"}  # empty groups left out
    assert any("R018" in codes for codes in flags["OCID"].values())  # the fixtures have single-bid procedures


def test_quality_command(tmp_path):
    import json

    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    result = invoke("quality", str(tmp_path / "map" / "releases.jsonl"), "--out", str(tmp_path / "q"))
    report = json.loads((tmp_path / "q" / "quality.json").read_text())
    assert report["processes"] == 240
    # The generated fixtures fail some checks by construction (3 processes paid above their
    # contract value; awards without status counted as active): exit code 1, and they are listed.
    failing = {name: check["failed"] for name, check in report["checks"].items() if check["failed"]}
    assert failing == {"consistent.contracts_implementation_transactions_value": 3}
    assert [name for name, check in report["dataset"].items() if check["result"] == "fail"] == ["distribution.awards_status"]
    assert result.exit_code == 1
    assert result.output.startswith("240 processes; 1 process checks and 1 dataset checks with failures\n"
                                    "  consistent.contracts_implementation_transactions_value: 3 processes fail\n"
                                    "  distribution.awards_status: fails\n")
    assert report["checks"]["reference.buyer_in_parties"] == {"passed": 240, "failed": 0, "not_applicable": 0, "examples": []}
    assert (tmp_path / "q" / "quality.md").read_text().startswith("# Data quality (240 processes)")
    spanish = (tmp_path / "q" / "quality.es.html").read_text()
    assert "<html lang=es>" in spanish and "<h1>Calidad de los datos (240 procesos)</h1>" in spanish
    assert "Todo período empieza antes de terminar." in spanish
    # Field coverage, counted per possible occurrence: every process has a tender with an id.
    assert report["coverage"]["/tender/id"] == {"possible": 240, "exists": 240, "non_empty": 240}


def test_indicators_help_lists_every_grouping():
    from ocds_pipeline.indicators import GROUPS

    help_text = " ".join(invoke("indicators", "--help").output.split())
    assert f"Comma-separated groupings: {', '.join(GROUPS)}." in help_text
    assert "market" in GROUPS


def outputs(command: str, paths: list[str], out, stdin: bytes | None = None) -> bytes:
    """What one OCDS-reading command produces from ``paths``, as bytes to compare."""
    args = {"indicators": [], "redflags": [], "validate": ["--json", str(out / "report.json")],
            "quality": ["--out", str(out)], "compile": ["--out", str(out)], "oc4ids": ["--out", str(out)],
            "ingest": ["--store", str(out / "store.sqlite")]}[command]
    result = CliRunner().invoke(main, [command, *paths, *args], input=stdin, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output  # 1: validation errors or quality failures, as the data has
    produced = {"validate": lambda: json.dumps({**json.loads((out / "report.json").read_text()), "source": ""}),
                "quality": lambda: (out / "quality.json").read_text(), "compile": lambda: (out / "compiled.jsonl").read_text(),
                "oc4ids": lambda: (out / "projects.json").read_text(),
                "ingest": lambda: "".join(line for line in result.output.splitlines(keepends=True)
                                          if line.startswith(("read ", "added ")))}.get(command, lambda: result.stdout)
    return f"exit {result.exit_code}\n{produced()}".encode()


def test_every_command_that_reads_ocds_takes_several_paths_and_standard_input(tmp_path):
    assert invoke("map", str(FIXTURES), "--out", str(tmp_path / "map")).exit_code == 0
    whole = tmp_path / "map" / "releases.jsonl"
    lines = whole.read_bytes().splitlines(keepends=True)
    cut = next(i for i in range(700, len(lines)) if json.loads(lines[i])["ocid"] != json.loads(lines[i - 1])["ocid"])
    (tmp_path / "first.jsonl").write_bytes(b"".join(lines[:cut]))
    (tmp_path / "second.jsonl").write_bytes(b"".join(lines[cut:]))
    for command in ("indicators", "redflags", "validate", "quality", "compile", "oc4ids", "ingest"):
        folders = [tmp_path / command / name for name in ("one", "two", "stdin")]
        for folder in folders:
            folder.mkdir(parents=True)
        expected = outputs(command, [str(whole)], folders[0])
        assert outputs(command, [str(tmp_path / "first.jsonl"), str(tmp_path / "second.jsonl")], folders[1]) == expected, command
        assert outputs(command, ["-"], folders[2], stdin=whole.read_bytes()) == expected, command
