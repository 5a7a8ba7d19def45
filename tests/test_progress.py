"""Progress output: live lines on a terminal, one plain line per stage at most every interval elsewhere,
the last count when the command ends, nothing with --quiet."""

import io

from click.testing import CliRunner

from ocds_pipeline.cli import main
from ocds_pipeline.progress import Progress
from tests.conftest import FIXTURES


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_are_throttled_and_the_last_count_is_printed_at_the_end():
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, interval=10, terminal=False, clock=clock)
    report = progress.reporter("publish", rows=False)
    report("processes published", 100, 1000)
    clock.now += 5
    report("processes published", 400, 1000)   # within the interval: not printed
    clock.now += 5
    report("processes published", 500, 1000)   # 10 s after the first line
    clock.now += 2
    report("processes published", 1000, 1000)
    assert out.getvalue().splitlines() == [
        "  publish: 100 of 1,000 processes published (0.0 s)",
        "  publish: 500 of 1,000 processes published (10.0 s, 50/s, about 10 s left)",
    ]
    progress.close()
    assert out.getvalue().splitlines()[-1] == "  publish: 1,000 of 1,000 processes published (12.0 s, 83/s, about 0 s left)"


def test_the_last_line_of_a_stage_done_long_before_the_end_gives_its_own_time():
    """A stage's last line, printed when the command ends, measures the stage, not the stages after it (a national
    run printed "reading mapped procedures: 20,000 rows (611.3 s, 33/s)" for a 12 s read)."""
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, interval=10, terminal=False, clock=clock)
    reading = progress.reporter("reading")
    reading("procesos", 10_000)
    clock.now += 4
    reading("procesos", 20_000)   # within the interval: kept for the end
    clock.now += 600              # other stages run
    progress.close()
    assert out.getvalue().splitlines()[-1] == "  reading procesos: 20,000 rows (4.0 s, 5,000/s)"


def test_a_stage_that_starts_again_is_timed_and_totalled_anew():
    """Two passes under one name (the workers' site pages of the written years, then the site's over every year)
    are two stages: the second never inherits the first's total or start ("1,040,748 of 183,366 rows ... about
    -83 s left")."""
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, interval=10, terminal=False, clock=clock)
    report = progress.reporter("reading", rows=False)
    report("site pages", 100, 200)
    clock.now += 10
    report("site pages", 200, 200)
    clock.now += 100
    report("site pages", 50)      # a new pass: its count went back
    clock.now += 5
    report("site pages", 1_000)
    progress.close()
    assert out.getvalue().splitlines() == [
        "  reading: 100 of 200 site pages (0.0 s)", "  reading: 200 of 200 site pages (10.0 s, 20/s, about 0 s left)",
        "  reading: 50 site pages (0.0 s)", "  reading: 1,000 site pages (5.0 s, 200/s)"]


def test_each_stage_and_table_has_its_own_line():
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, interval=10, terminal=False, clock=clock)
    reading = progress.reporter("reading")
    reading("procesos", 5)
    reading("contratos", 7)
    reading("procesos", 9)
    progress.close()
    assert out.getvalue().splitlines() == ["  reading procesos: 5 rows (0.0 s)", "  reading contratos: 7 rows (0.0 s)",
                                           "  reading procesos: 9 rows (0.0 s)"]


def test_quiet_prints_nothing():
    out = io.StringIO()
    progress = Progress(quiet=True, stream=out, terminal=False)
    progress.reporter("reading")("procesos", 5)
    progress.close()
    assert out.getvalue() == ""


def test_a_terminal_gets_a_live_line_with_count_rate_and_bar():
    clock, out = Clock(), io.StringIO()
    progress = Progress(stream=out, terminal=True, clock=clock)
    report = progress.reporter("compile", rows=False)
    report("compiled processes", 10_000, 40_000)
    clock.now += 2
    report("compiled processes", 20_000, 40_000)
    progress.close()
    text = out.getvalue()
    assert "compile: 20,000 of 40,000 compiled processes" in text
    assert "10,000/s" in text and "━" in text  # the rate, and a bar drawn for a known total


def test_the_command_line_reports_progress_unless_quiet(tmp_path):
    runner = CliRunner()
    loud = runner.invoke(main, ["run", str(FIXTURES), "--out", str(tmp_path / "a"), "--store", str(tmp_path / "a.sqlite"),
                                "--publication", str(tmp_path / "pa")])
    assert loud.exit_code == 0, loud.output
    assert "processes published (per-year files): 240 of 240 rows (" in loud.stderr  # the last count, at the end
    quiet = runner.invoke(main, ["--quiet", "run", str(FIXTURES), "--out", str(tmp_path / "b"), "--store",
                                 str(tmp_path / "b.sqlite"), "--publication", str(tmp_path / "pb")])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == "" and "added" in quiet.stdout


def test_indicators_report_the_processes_read_unless_quiet(tmp_path):
    runner = CliRunner()
    run = runner.invoke(main, ["--quiet", "run", str(FIXTURES), "--out", str(tmp_path / "out"), "--store",
                               str(tmp_path / "store.sqlite")])
    assert run.exit_code == 0, run.output
    compiled = str(tmp_path / "out" / "compiled.jsonl")
    loud = runner.invoke(main, ["indicators", compiled, "--by", "year", "--out", str(tmp_path / "i.csv")])
    assert loud.exit_code == 0, loud.output
    assert "indicators: 240 processes (" in loud.stderr
    quiet = runner.invoke(main, ["--quiet", "indicators", compiled, "--by", "year", "--out", str(tmp_path / "q.csv")])
    assert quiet.exit_code == 0 and quiet.stderr == ""
