"""``ocds-pipeline``: a thin command line over the library (parsing, progress, exit codes).

Exit codes: 0 success; 1 the data had problems (rejects above the threshold); 2 usage or
configuration error (bad option, missing file or column, unverifiable schema).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from . import __version__
from .atomic import NO_SPACE, DiskFull, no_space
from .config import ConfigError, load_config
from .indicators.groups import GROUPS
from .progress import Progress
from .schemas import ENV_OFFLINE, SchemaError, SchemaResolver
from .redaction import redact
from .sources import SourceError, limits

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> None:
    """One line on standard error, and exit code 2."""
    click.secho(f"error: {' '.join(redact(message).split())}", fg="red", err=True)
    sys.exit(EXIT_USAGE)


def _progress(label: str, rows: bool = True):
    """A progress reporter for a library call: "<label> <table>: <n> rows", or "<label>: <n> <things>"
    when not counting rows (see :mod:`ocds_pipeline.progress`; silenced by --quiet)."""
    context = click.get_current_context(silent=True)
    display = context.find_root().meta.get("progress") if context else None
    return (display or Progress(quiet=True)).reporter(label, rows)


reader_options = [
    click.option("--encoding", help="Source CSV encoding (default: detected; UTF-8 with/without BOM, else Windows-1252)."),
    click.option("--delimiter", help="CSV delimiter (default: detected from the header: ; , tab or |)."),
    click.option("--decimal", "decimal_char", type=click.Choice([".", ","]),
                 help="Decimal mark for ambiguous numbers such as 1.234 (default: ',' for ';'-delimited files, else '.')."),
    click.option("--modified-since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]),
                 callback=lambda _, __, value: value and value.strftime("%Y-%m-%d %H:%M:%S"),
                 help="Database sources: read a delta, only the procedures whose fecha_ultima_modificacion is on or after "
                      "this date (with their rows, and every entity, supplier and project)."),
]


def with_reader_options(func):
    for option in reversed(reader_options):
        func = option(func)
    return func


class PipelineGroup(click.Group):
    """Turns expected edge errors into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as error:
            if isinstance(error, _expected_errors()):
                _fail(str(error))
            message = _environment_failure(error)
            if message:
                _fail(message)
            raise


def _settled() -> None:
    """Called by a command after its imports, before its long work: the imported modules' objects live as
    long as the command, so the cycle collector is told not to walk them again at each of its passes
    (gc.freeze). `map` at 10,000 procedures: 8-12 % faster."""
    gc.freeze()


def _environment_failure(error: Exception) -> str | None:
    """A message for what failed around the pipeline rather than in it (a full disk, a database that went
    away), or None. Whatever was committed or renamed into place before it stays whole."""
    if isinstance(error, OSError) and error.errno in NO_SPACE:
        return str(no_space(error, Path(error.filename or "a file")))
    if "sqlalchemy" in sys.modules:
        from sqlalchemy.exc import DBAPIError, OperationalError

        if isinstance(error, DBAPIError):
            cause = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            if any(text in cause for text in ("disk is full", "No space left", "could not extend file")):
                return (f"the store ran out of disk space ({cause}): free some space and run again; "
                        "the store keeps every batch committed before, and the rerun finishes the job")
            if error.connection_invalidated or isinstance(error, OperationalError):
                return (f"the store's database failed or went away ({cause}): run again once it is back; "
                        "the store keeps every batch committed before, and the rerun finishes the job")
    return None


def _expected_errors() -> tuple[type[Exception], ...]:
    """Errors with a message for people; imported only when one happens (the store pulls in SQLAlchemy)."""
    from .mapping.engine import MappingError
    from .privacy import PrivacyError
    from .publish.versions import PublicationError
    from .store import StoreBusy, StoreError, StoreVersionError

    return (SchemaError, SourceError, ConfigError, StoreError, StoreBusy, StoreVersionError, MappingError, DiskFull,
            PrivacyError, PublicationError)


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ocds-pipeline")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Publisher config (YAML); see docs/configuration.md. Defaults suit SERCOP.")
@click.option("--offline", is_flag=True, help="Never download a pinned schema file that is not found locally "
              f"(same as {ENV_OFFLINE}=1).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output (results and errors are still printed). "
              "Progress is a live line per stage on a terminal, else a plain line per stage every 10 s.")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, offline: bool, quiet: bool) -> None:
    """Publish SERCOP procurement data as OCDS 1.1 and OC4IDS.

    \b
    Examples:
      ocds-pipeline generate --procedures 1000 --seed 7 --out data/
      ocds-pipeline check data/
      ocds-pipeline run fixtures/sercop --out build/

    Pinned OCDS, OC4IDS and extension schema files are found in OCDS_PIPELINE_SCHEMA_PATH or
    the user cache; on first use a missing one is downloaded (from OCDS_PIPELINE_SCHEMA_MIRROR
    when set), verified against its SHA-256 and cached.
    """
    if offline:
        os.environ[ENV_OFFLINE] = "1"  # read by every resolver this command makes
    ctx.meta["progress"] = Progress(quiet=quiet)
    ctx.call_on_close(ctx.meta["progress"].close)
    try:
        ctx.obj = load_config(config_path)
    except ConfigError as error:
        _fail(str(error))
    ctx.call_on_close(limits.use(limits.ReaderLimits.of(ctx.obj)))


def _print_summary(accounting, rejects_count: int, rejects_where: str | None) -> None:
    click.echo(f"{'table':<26}{'read':>10}{'accepted':>10}{'rejected':>10}")
    for name, count in accounting.tables.items():
        click.echo(f"{name:<26}{count.read:>10,}{count.accepted:>10,}{count.rejected:>10,}")
    total = accounting.total
    click.echo(f"{'TOTAL':<26}{total.read:>10,}{total.accepted:>10,}{total.rejected:>10,}")
    if rejects_count and rejects_where:
        click.echo(f"{rejects_count:,} rejected rows, with reasons, in {rejects_where}")


@main.command()
@click.argument("source")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every rejected row (table, line, column, value, reason) to this CSV.")
@click.option("--max-reject-rate", type=float, help="Exit 1 above this share of rejected rows (default from config: 0.01).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that type the rows (default: CPUs, at most 4).")
@with_reader_options
@click.pass_obj
def check(config, source, rejects_path, max_reject_rate, workers, **reader_options) -> None:
    """Read and check the source tables of SOURCE (a folder of CSV files or a database URL).

    \b
    Examples:
      ocds-pipeline check fixtures/sercop
      ocds-pipeline check export/ --encoding cp1252 --rejects rejects.csv
      ocds-pipeline check sqlite:///soce.db
    """
    from .parallel import default_workers
    from .sources import check_source

    _settled()
    report = check_source(source, rejects_path=rejects_path, progress=_progress("reading"),
                          workers=workers or default_workers(), max_field_size=config.max_field_size, **reader_options)
    _print_summary(report.accounting, report.rejects.count, str(rejects_path) if rejects_path else None)
    for reject in report.rejects.examples[:10] if not rejects_path else []:
        click.echo(f"  {reject.table} line {reject.line} {reject.column}={reject.value!r}: {reject.reason}")
    total = report.accounting.total
    limit = config.max_reject_rate if max_reject_rate is None else max_reject_rate
    if total.read and total.rejected / total.read > limit:
        click.secho(f"rejected {total.rejected / total.read:.2%} of rows, above the limit {limit:.2%}", fg="red", err=True)
        sys.exit(EXIT_DATA)


def _report_run(summary) -> None:
    _print_summary(summary.accounting, summary.rejects, str(summary.out / "rejects.csv"))
    tags = ", ".join(f"{tag} {count:,}" for tag, count in sorted(summary.mapping.tags.items()))
    unchanged = f" ({summary.mapping.unchanged:,} unchanged since they were last reconciled: not mapped again)" \
        if summary.mapping.unchanged else ""
    click.echo(f"{summary.mapping.processes:,} processes{unchanged}, {summary.mapping.releases:,} releases ({tags})")
    unused = {k: v for k, v in summary.mapping.unused.items() if v}
    if unused:
        click.echo("valid rows no process refers to (not published): "
                   + ", ".join(f"{k} {v:,}" for k, v in unused.items()))
    click.echo(f"wrote {', '.join(summary.files)} to {summary.out}")
    if not summary.ok:
        click.secho(f"rejected {summary.reject_rate:.2%} of rows, above the limit {summary.max_reject_rate:.2%}",
                    fg="red", err=True)
        sys.exit(EXIT_DATA)


out_option = click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
                          help="Output folder (created if missing).")


ocds_paths = click.argument("paths", nargs=-1, required=True,
                            type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))


@contextmanager
def _readable(paths: tuple[Path, ...]) -> Iterator[list[Path]]:
    """The input paths, with ``-`` (standard input) spooled to a temporary file, so that it can be read again."""
    from .scratch import Scratch

    with Scratch("ocds-stdin-") as folder:
        readable = []
        for path in paths:
            if str(path) == "-":
                spooled = folder.path / "stdin"
                with open(spooled, "wb") as handle:
                    shutil.copyfileobj(sys.stdin.buffer, handle, 1 << 20)
                path = spooled
            readable.append(path)
        yield readable


@main.command("map")
@click.argument("source")
@out_option
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that type the rows, then map the procedures (default: CPUs, at most 4).")
@with_reader_options
@click.pass_obj
def map_command(config, source, out, workers, **reader_options) -> None:
    """Map the source tables of SOURCE to OCDS releases.

    Writes releases.json (a release package), releases.jsonl (one release per line),
    rejects.csv and summary.json into --out.

    \b
    Examples:
      ocds-pipeline map fixtures/sercop --out build/map
      ocds-pipeline map sqlite:///soce.db --out build/map
    """
    from .parallel import default_workers
    from .pipeline import map_to_files

    _settled()
    _report_run(map_to_files(source, out, config, SchemaResolver.from_env(), progress=_progress("mapping"),
                             workers=workers or default_workers(), **reader_options))


store_option = click.option("--store", "store_url", help="Release store: an SQLite file path or URL, or "
                            "postgresql://user@host/db (default from config: sqlite:///ocds-store.sqlite).")


workers_option = click.option("--workers", type=click.IntRange(min=1), default=None,
                              help="Processes that work in parallel: mapping, merging, writing years "
                                   "(default: CPUs, at most 4).")


publication_option = click.option(
    "--publication", type=click.Path(file_okay=False, path_type=Path),
    help="Write the publication here (docs/publication.md): a link to its current complete version, "
         "swapped atomically.")


@main.command()
@click.argument("source")
@out_option
@store_option
@publication_option
@workers_option
@click.option("--reports-only", is_flag=True,
              help="Write only this run's rejects.csv and summary.json into --out, not the store's files again "
                   "(with --publication, they are in the publication).")
@with_reader_options
@click.pass_obj
def run(config, source, out, store_url, publication, workers, reports_only, **reader_options) -> None:
    """The daily job: map SOURCE, add only what changed to the store, publish into --out.

    Writes releases.json/.jsonl (every release in the store), records.json (linked releases
    and compiled release per process), compiled.jsonl, rejects.csv and summary.json. Running it
    twice on the same input adds nothing and writes identical files; an interrupted run is
    completed by running it again. With --publication, it ends by publishing (as `publish`);
    add --reports-only to leave the store's files to the publication (a national store's are
    gigabytes a day).

    \b
    Examples:
      ocds-pipeline run fixtures/sercop --out build/run --store build/store.sqlite --publication build/publication
      ocds-pipeline run export/ --out /srv/ocds/run --store postgresql://ocds@db/ocds --publication /srv/ocds/pub --reports-only
    """
    from .parallel import default_workers
    from .pipeline import run as run_pipeline

    _settled()
    daily = run_pipeline(source, out, config, SchemaResolver.from_env(), store_url=store_url or config.store_url,
                         publication_root=publication, progress=_progress("reading"), workers=workers or default_workers(),
                         reports_only=reports_only, **reader_options)
    click.echo(f"run {daily.run_id}: added {daily.added:,} releases ({daily.updates:,} updates of earlier ones); "
               f"the store has {daily.publication.releases:,} releases of {daily.publication.processes:,} processes")
    if daily.publication.merge_errors:
        click.secho(f"{len(daily.publication.merge_errors):,} processes could not be compiled (see summary.json)", fg="yellow")
    _report_run(daily.summary)
    if daily.published is not None:
        _report_published(daily.published)


def _report_published(published) -> None:
    click.echo(f"published {published.releases:,} releases of {published.processes:,} processes and "
               f"{published.projects:,} projects to {published.root} (version {published.version.name}): "
               f"{len(published.changed):,} files changed, {len(published.carried):,} unchanged files linked")
    if published.rows_kept or published.rows_encoded:
        click.echo(f"  spreadsheets: the rows of {published.rows_kept:,} processes written as kept, "
                   f"{published.rows_encoded:,} encoded anew")
    if published.statistics_kept or published.statistics_made:
        click.echo(f"  statistics: the parts of {published.statistics_kept:,} processes taken as kept, "
                   f"{published.statistics_made:,} made anew")
    for note in published.notes:
        click.secho(f"  note: {note}", fg="yellow")
    for warning in published.warnings[:10]:
        click.secho(f"  warning: {warning}", fg="yellow")
    if published.merge_errors:
        click.secho(f"  {len(published.merge_errors):,} processes could not be compiled; their releases are "
                    f"published, without a compiled release", fg="yellow")
    click.echo(f"site: {(Path(published.root) / 'index.html').absolute()}")


@main.command()
@store_option
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The publication folder: a link to its current complete version (created if missing).")
@workers_option
@click.pass_obj
def publish(config, store_url, out, workers) -> None:
    """Write the publication from the store: per-year OCDS JSON, CSV and Excel, indicators,
    OC4IDS, quality, licence, policy, data dictionary and datapackage.json (docs/publication.md).

    Only the years whose processes changed are written again; the others are linked from the
    current version. The new version is verified and swapped in atomically: an interrupted
    publish leaves the previous publication whole.

    \b
    Examples:
      ocds-pipeline publish --store build/store.sqlite --out build/publication
      ocds-pipeline publish --store postgresql://ocds@db/ocds --out /srv/ocds/pub --workers 4
    """
    from .parallel import default_workers
    from .publish.publication import publish as publish_store
    from .store import Store

    store = Store(store_url or config.store_url)
    published = publish_store(store, out, config, SchemaResolver.from_env(), workers=workers or default_workers(),
                              progress=_progress("publish", rows=False))
    store.close()
    _report_published(published)


@main.command()
@store_option
@click.option("--publication", type=click.Path(file_okay=False, path_type=Path),
              help="Also serve this publication folder (bulk files and site) at /.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: every interface).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Server processes, each with its own connections to the store (default: CPUs).")
@click.option("--access-log/--no-access-log", default=True, show_default=True, help="Log one line per request.")
@click.pass_obj
def serve(config, store_url, publication, host, port, workers, access_log) -> None:
    """Serve the API over the store (and the publication at /) with uvicorn (docs/api.md).

    Endpoints under /api/v1: records/{ocid}, releases?ocid=, compiled-releases (filters, cursor
    paging, JSON Lines), changes?after=, indicators?by=, status. The OpenAPI description is at
    /openapi.json and a browsable page at /api/v1/.

    \b
    Examples:
      ocds-pipeline serve --store build/store.sqlite --publication build/publication
      ocds-pipeline serve --store postgresql://ocds@db/ocds --host 0.0.0.0 --port 80 --workers 8
    """
    import os

    from .api import ApiSettings, serve as serve_api
    from .store import Store

    from sqlalchemy.engine import make_url

    from .store import normalise_url

    url = store_url or config.store_url
    database = make_url(normalise_url(url))
    if database.get_backend_name() == "sqlite" and not Path(database.database or "").is_file():
        _fail(f"no store at {database.database}: fill one first with `ocds-pipeline run` or `ingest`")
    store = Store(url)
    through, latest = store.compiled_through(), store.max_seq()
    store.close()
    if latest == 0:
        click.secho("warning: the store holds no release yet", fg="yellow", err=True)
    if through < latest:
        click.secho(f"warning: the search index and compiled releases cover releases up to {through:,} of {latest:,}; "
                    f"records are merged on request, but lists miss the newest: run `ocds-pipeline publish` or "
                    f"`ingest` to bring them up to date", fg="yellow", err=True)
    serve_api(ApiSettings(url, publication, config), host=host, port=port, workers=workers or os.cpu_count() or 1,
              access_log=access_log)


def _read_summary(stats) -> str:
    """What an OCDS reader saw, in one line."""
    upgraded = f", {stats.upgraded:,} upgraded from OCDS 1.0" if stats.upgraded else ""
    return (f"read {stats.releases:,} releases ({stats.packages:,} packages, {stats.records:,} records, "
            f"{stats.linked_releases:,} linked releases skipped{upgraded})")


def _report_ingest(result) -> None:
    click.echo(_read_summary(result.stats))
    click.echo(f"added {result.added:,} releases; {result.already_stored:,} were already stored; "
               f"{len(result.rejects):,} rejected")
    for reject in result.rejects[:10]:
        click.echo(f"  {reject.table} #{reject.line} {reject.column}={reject.value!r}: {reject.reason}")


@main.command()
@ocds_paths
@store_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also publish releases, records and compiled releases from the store into this folder.")
@workers_option
@click.pass_obj
def ingest(config, paths, store_url, out, workers) -> None:
    """Add existing OCDS data (any publisher) to the release store, and bring its compiled releases and
    the API's search index up to date (only the processes that gained releases are merged).

    PATHS may be release or record packages, arrays of packages (SERCOP's bulk files), API
    bodies, JSON Lines or concatenated JSON; plain, .gz or .zip; - reads standard input.
    Files are streamed.

    \b
    Examples:
      ocds-pipeline ingest sercop-2024-10.zip --store build/store.sqlite
      ocds-pipeline ingest *.jsonl.gz --store postgresql://ocds@db/ocds --out build/pub
    """
    from .parallel import default_workers
    from .pipeline import ingest_files
    from .publish import publish_from_store
    from .store import Store

    store = Store(store_url or config.store_url)
    with store.exclusive("ingest"), _readable(paths) as readable:  # the lock covers --out too
        _report_ingest(ingest_files(readable, store, config, SchemaResolver.from_env(), workers=workers or default_workers(),
                                    progress=_progress("ingest")))
        if out:
            publication = publish_from_store(store, out, config, SchemaResolver.from_env(), progress=_progress("publish"))
            click.echo(f"published {publication.releases:,} releases of {publication.processes:,} processes to {out}")
            for warning in publication.warnings[:10]:
                click.secho(f"  warning: {warning}", fg="yellow")



def _report_read(stats, rejects, staged: bool) -> None:
    click.echo(f"{_read_summary(stats)}; {len(rejects):,} rejected")
    if staged:
        click.echo("the input is not ordered by ocid: it was read again through a temporary grouping by ocid")
    for reject in rejects[:10]:
        click.echo(f"  {reject.table} #{reject.line} {reject.column}={reject.value!r}: {reject.reason}")


@main.command("compile")
@ocds_paths
@out_option
@click.option("--versioned/--no-versioned", default=False, help="Add a versionedRelease to each record.")
@click.option("--compiled-only", is_flag=True,
              help="Write compiled.jsonl alone (one compiled release per line, as `ocdskit compile` writes by "
                   "default): no records, no release files.")
@workers_option
@click.pass_obj
def compile_command(config, paths, out, versioned, compiled_only, workers) -> None:
    """Compile any OCDS releases into records and compiled releases (no store needed).

    Writes records.json (a record package, releases linked), compiled.jsonl (one compiled
    release per line) and releases.json/.jsonl (the releases the records link to) into --out;
    with --compiled-only, compiled.jsonl alone. Inputs are read like `ingest` reads them; the
    packages keep the publisher, licence, publication policy and extensions the inputs declared.

    \b
    Examples:
      ocds-pipeline compile releases.json --out build/records
      ocds-pipeline compile sercop-2024.zip --out build/records --versioned
      ocds-pipeline compile *.jsonl.gz --out build/compiled --compiled-only
    """
    from .parallel import default_workers
    from .compile.files import compile_files

    if versioned and compiled_only:
        raise click.UsageError("--versioned adds a versionedRelease to each record, and --compiled-only writes no record")
    with _readable(paths) as readable:
        result = compile_files(readable, out, config, SchemaResolver.from_env(), versioned=versioned,
                               compiled_only=compiled_only, workers=workers or default_workers(),
                               progress=_progress("compile"))
    _report_read(result.stats, result.rejects, result.staged)
    publication = result.publication
    click.echo(f"compiled {publication.processes:,} processes from {publication.releases:,} releases into {out}")
    for warning in publication.warnings[:10]:
        click.secho(f"  warning: {warning}", fg="yellow")
    if publication.merge_errors:
        for ocid, error in list(publication.merge_errors.items())[:10]:
            click.secho(f"  not compiled: {ocid}: {error}", fg="yellow")
        sys.exit(EXIT_DATA)


@main.command()
@ocds_paths
@out_option
@workers_option
@click.pass_obj
def oc4ids(config, paths, out, workers) -> None:
    """Build OC4IDS projects from OCDS data whose processes carry planning.project.id.

    Writes projects.json (an OC4IDS 0.9 project package), projects.csv (totals per project)
    and releases.json/.jsonl (the releases the projects link to) into --out. Project ids are
    <oc4ids_prefix><planning.project.id>.

    \b
    Example:
      ocds-pipeline oc4ids build/run/releases.json --out build/oc4ids
    """
    from .publish import ProjectSource
    from .parallel import default_workers
    from .compile.files import compile_files

    with _readable(paths) as readable:
        result = compile_files(readable, out, config, SchemaResolver.from_env(), with_records=False,
                               projects=ProjectSource(), workers=workers or default_workers(), progress=_progress("link"))
    _report_read(result.stats, result.rejects, result.staged)
    publication = result.publication
    why = ": no process names a project (planning.project.id)" if not publication.projects and publication.processes else ""
    click.echo(f"{publication.projects:,} projects from {publication.processes:,} processes{why}; written to {out}")
    for warning in publication.warnings[:10]:
        click.secho(f"  warning: {warning}", fg="yellow")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True, path_type=Path))
@click.option("--by", default="", help=f"Comma-separated groupings: {', '.join(GROUPS)}.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: CSV or JSON on standard output; Parquet needs --out).")
@click.option("--processes", "processes_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write one row per process (CSV): each measure flagged (1), not (0) or not computable, with why.")
@click.option("--facts-out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the fact tables as Parquet partitioned by year, for --engine dask.")
@click.option("--engine", type=click.Choice(["pandas", "dask"]), default="pandas", show_default=True,
              help="dask: PATHS is a --facts-out folder, summarised by tasks on a Dask cluster (docs/scaling.md).")
@click.option("--scheduler", help="With --engine dask: the cluster's scheduler address (default: a local cluster).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that read one big file's blocks in parallel (default: CPUs, at most 4).")
def indicators(paths, by, fmt, out_file, processes_file, facts_out, engine, scheduler, workers) -> None:
    """Compute procurement indicators for any OCDS files (records, compiled releases, releases, API bodies).

    Every share comes with its numerator, denominator and coverage; definitions are in
    docs/indicators.md.

    \b
    Examples:
      ocds-pipeline indicators build/run/compiled.jsonl --by year
      ocds-pipeline indicators sercop-2024.zip --by year,regime --format parquet --out ind.parquet
      ocds-pipeline indicators build/run/compiled.jsonl --facts-out build/facts
      ocds-pipeline indicators build/facts --engine dask --scheduler tcp://10.0.0.5:8786 --by year,buyer
    """
    from .atomic import write_bytes
    from .indicators import compute

    groups = [g.strip() for g in by.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        _fail(f"unknown grouping {', '.join(unknown)} (choose from {', '.join(GROUPS)})")
    if engine == "dask":
        from .indicators.distributed import PROCESSES, summarise_on_dask

        if len(paths) != 1 or not (Path(paths[0]) / PROCESSES).is_dir():
            _fail("--engine dask reads one folder of Parquet facts: write it first with --facts-out")
        table = summarise_on_dask(Path(paths[0]), groups, scheduler)
    else:
        if any(Path(path).is_dir() for path in paths):
            _fail("PATHS are OCDS files; a folder of Parquet facts is read with --engine dask")
        from .parallel import default_workers

        with _readable(paths) as readable:
            table = compute(readable, by=groups, processes=processes_file, facts_out=facts_out,
                            workers=workers or default_workers(), progress=_progress("indicators", rows=False))
    if fmt == "parquet":
        if not out_file:
            _fail("--format parquet needs --out FILE")
        table.to_parquet(out_file, index=False)
        click.echo(f"wrote {len(table):,} rows to {out_file}")
        return
    body = table.to_csv(index=False) if fmt == "csv" else table.to_json(orient="records", force_ascii=False, indent=1)
    if out_file:
        write_bytes(out_file, body.encode("utf-8"))
        click.echo(f"wrote {len(table):,} rows to {out_file}")
    else:
        click.echo(body)


@main.command()
@ocds_paths
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here (default: standard output).")
@click.option("--settings", "settings_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A cardinal settings file (INI); its [Rxxx] sections choose the indicators and their settings.")
@click.option("--price-comparison", "price_methods", default="",
              help="Only these procurementMethodDetails (separated by |) for R024, R028, R036 and R058; "
                   "SERCOP's advice is 'Subasta Inversa Electrónica'.")
def redflags(paths, out_file, settings_file, price_methods) -> None:
    """Cardinal's red flags (R003 … R058) for any OCDS files, in cardinal's output shape.

    \b
    Example:
      ocds-pipeline redflags build/run/compiled.jsonl --price-comparison "Subasta Inversa Electrónica"
      ocds-pipeline redflags compiled.jsonl --settings settings.ini
    """
    import orjson

    from .atomic import write_bytes
    from .compile.stream import with_compiled
    from .indicators.redflags import Settings, load_settings, red_flags

    settings = load_settings(settings_file) if settings_file else Settings()
    if price_methods:
        settings.price_comparison_procurement_methods = {m for m in price_methods.split("|") if m}
    with _readable(paths) as readable:
        flags = with_compiled(readable, lambda releases: red_flags(releases, settings))
    body = orjson.dumps(flags, option=orjson.OPT_INDENT_2)
    if out_file:
        write_bytes(out_file, body + b"\n")
        click.echo(f"wrote {out_file}")
    else:
        click.echo(body.decode())


@main.command()
@ocds_paths
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as JSON.")
@click.option("--markdown", "markdown_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as Markdown.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as an HTML page.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes for big JSON Lines files and release packages (default: the CPUs, at most 8).")
@click.pass_obj
def validate(config, paths, json_file, markdown_file, html_file, workers) -> None:
    """Validate OCDS data offline: schema (with the declared extensions), codelists, ids, duplicates.

    Reads release and record packages, JSON Lines of releases or compiled releases, .gz and
    .zip. Exit code 0 when valid, 1 when there are errors. Errors are grouped by check and
    path, with counts and examples (ocid, release id, path, value); values outside open
    codelists are notes, not errors.

    \b
    Examples:
      ocds-pipeline validate build/run/releases.json
      ocds-pipeline validate sercop-2024.zip --json report.json --html report.html
    """
    import json

    from .atomic import write_bytes
    from .validate.files import validate_files

    with _readable(paths) as readable:
        report = validate_files(readable, SchemaResolver.from_env(), base_uri=config.base_uri, workers=workers,
                                progress=_progress("validate", rows=False))
    for warning in report.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    click.echo(f"{report.releases:,} {report.unit}, {report.errors:,} errors in {len(report.groups)} groups"
               + (f"; {report.note_count:,} notes (values outside open codelists, additional fields)" if report.notes else ""))
    for group in report.sorted_groups()[:20]:
        example = group.examples[0]
        click.echo(f"  {group.count:>8,}  {group.check} at /{group.path}: {group.message} (e.g. {example.ocid} {example.release_id})")
    for target, body in ((json_file, lambda: json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"),
                         (markdown_file, report.markdown), (html_file, report.html)):
        if target:
            write_bytes(target, body().encode())
    if report.errors:
        sys.exit(EXIT_DATA)


@main.command()
@ocds_paths
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write quality.json, quality.md, quality.html and quality.es.html into this folder.")
@click.option("--workers", type=click.IntRange(min=1),
              help="Worker processes for a big file of compiled releases (default: the CPUs, at most 8).")
def quality(paths, out_dir, workers) -> None:
    """Data-quality checks (after pelican) on any OCDS files: coherence, consistency, references, distributions.

    Exit code 0 when every applicable check passes, 1 when some fail.

    \b
    Example:
      ocds-pipeline quality build/run/compiled.jsonl --out build/quality
    """
    from .extensions import patched_release_schema
    from .validate.quality.files import write_quality_report
    from .validate.quality.files import check_quality_file

    schema = patched_release_schema(SchemaResolver.from_env())  # core and SERCOP's extensions, for field coverage
    with _readable(paths) as readable:
        result = check_quality_file(readable, schema=schema, workers=workers)
    if out_dir:
        write_quality_report(result, out_dir)
    failed = {n: c.failed for n, c in result.checks.items() if c.failed}
    dataset_failed = [n for n, (ok, _) in result.dataset.items() if ok is False]
    processes = result.processes
    click.echo(f"{processes:,} processes; {len(failed)} process checks and {len(dataset_failed)} dataset checks with failures")
    for name, count in failed.items():
        click.echo(f"  {name}: {count:,} processes fail")
    for name in dataset_failed:
        click.echo(f"  {name}: fails")
    if failed or dataset_failed:
        sys.exit(EXIT_DATA)


@main.command()
@click.option("--procedures", type=click.IntRange(min=1), required=True, help="Number of procedures to generate.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed: the same seed gives the same files.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--dialect", type=click.Choice(["iso", "excel-es"]), default="iso", show_default=True,
              help="iso: UTF-8, comma, ISO dates; excel-es: Windows-1252, semicolon, decimal comma, dd/mm/yyyy.")
@click.option("--mix", type=click.Choice(["sercop", "uniform"]), default="sercop", show_default=True,
              help="sercop: SERCOP's measured procedure-type mix; uniform: every type equally likely.")
def generate(procedures, seed, out, dialect, mix) -> None:
    """Write synthetic SERCOP-like source tables (deterministic for a seed, streamed, flat memory).

    \b
    Examples:
      ocds-pipeline generate --procedures 100000 --seed 1 --out bench/out/100k
      ocds-pipeline generate --procedures 240 --seed 2026 --mix uniform --out fixtures/sercop
    """
    from .generate import generate as generate_tables

    start = time.perf_counter()
    report = _progress("generate", rows=False)
    counts = generate_tables(out, procedures, seed, dialect=dialect, mix=mix,
                             progress=lambda n: report("procedures", n, procedures))
    for table, count in counts.items():
        click.echo(f"{table:<26}{count:>10,}")
    click.echo(f"wrote {sum(counts.values()):,} rows to {out} in {time.perf_counter() - start:.1f} s")


@main.group()
def schemas() -> None:
    """Find, verify and cache the pinned upstream OCDS / OC4IDS / extension schema files."""


@schemas.command("check")
def schemas_check() -> None:
    """Report where a verified copy of each pinned file is (exit 2 if any is missing).

    \b
    Example:
      OCDS_PIPELINE_SCHEMA_PATH=../shared/upstream-schemas ocds-pipeline schemas check
    """
    resolver = SchemaResolver.from_env()
    missing = 0
    for name, path, status in resolver.check():
        missing += path is None
        click.echo(f"{'ok ' if path else 'MISSING'} {name}: {status}")
    click.echo(f"{len(resolver.pins) - missing} of {len(resolver.pins)} pinned files verified")
    if missing:
        _fail(f"{missing} pinned files missing or mismatched; they are downloaded on first use, or run "
              "`ocds-pipeline schemas fetch` now (OCDS_PIPELINE_SCHEMA_MIRROR for a mirror)")


@schemas.command("fetch")
def schemas_fetch() -> None:
    """Fill the user cache with every pinned file (copied from a local folder, else downloaded), verifying SHA-256.

    Not needed before a first run (missing files are downloaded when first used); useful to
    prepare a machine that will run with --offline.

    \b
    Examples:
      ocds-pipeline schemas fetch
      OCDS_PIPELINE_SCHEMA_MIRROR=https://mirror.example/upstream-schemas ocds-pipeline schemas fetch
      OCDS_PIPELINE_SCHEMA_PATH=../shared/upstream-schemas ocds-pipeline schemas fetch
    """
    resolver = SchemaResolver.from_env()
    failures = 0
    for name, status in resolver.fetch():
        failures += status.startswith("error")
        click.echo(f"{status:<10} {name}" if not status.startswith("error") else f"FAILED {name}: {status}")
    click.echo(f"cache: {resolver.cache_dir}")
    if failures:
        _fail(f"{failures} files could not be fetched")


if __name__ == "__main__":
    main()
