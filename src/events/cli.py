"""The `events` command: thin wrappers over ingest, pipeline, store, geo and export."""

import json
import sys
from datetime import date

import click

from events import config, pipeline
from events.errors import EventsError, InputError
from events.geo.geonames_dump import DEFAULT_CLASSES
from events.readers import parse_day, read_paths


def _published(_ctx, _param, value) -> date | None:
    try:
        return parse_day(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from exc


def _fail(message: str, code: int = 1):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _report(summary) -> None:
    """An ingest's lines on stderr: what was recognised as a copy or an update, what failed, then the counts."""
    for line in summary.notes:
        click.echo(line, err=True)
    for line in summary.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(summary.line(), err=True)


_COLUMNS = ("text", "title", "date", "id", "url", "source")


def _reader_options(command):
    """The reading options `ingest`, `extract` and `watch` share: column mapping and opt-in network."""
    for role in reversed(_COLUMNS):
        command = click.option(
            f"--{role}-col",
            f"{role}_col",
            metavar="NAME",
            help=f"CSV/JSONL column holding the {role} (default: common names).",
        )(command)
    command = click.option(
        "--follow-links", is_flag=True, help="For feeds: fetch each entry's linked page (with --fetch)."
    )(command)
    return click.option(
        "--fetch",
        is_flag=True,
        help="Allow network: read http(s) URLs (needs EVENTS_USER_AGENT; robots.txt respected).",
    )(command)


def _read_options(published, reading: dict):
    from events.readers import ReadOptions

    if reading["follow_links"] and not reading["fetch"]:
        raise click.UsageError("--follow-links fetches pages: add --fetch to allow the network")
    columns = {role: reading[f"{role}_col"] for role in _COLUMNS if reading.get(f"{role}_col")}
    return ReadOptions(
        published=published, columns=columns, fetch=reading["fetch"], follow_links=reading["follow_links"]
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="border-events")
def main():
    """Extract border events from news articles, geocode them offline, store and map them."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", help="Store: SQLite path or database URL (default: EVENTS_DB, else the user data dir).")
@click.option(
    "--published", callback=_published, help="Publication date YYYY-MM-DD for inputs that carry none."
)
@click.option("--strict", is_flag=True, help="Stop at the first item that fails.")
@click.option("--scheduler", envvar="EVENTS_DASK_SCHEDULER", help="Dask scheduler address to extract on.")
@_reader_options
def ingest(paths, db, published, strict, scheduler, **reading):
    """Read articles (text, HTML, RSS/Atom, CSV, JSONL, folders, URLs with --fetch, '-' for stdin), extract
    events and store them."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    store = _open_store(db)
    items = read_paths(paths, published, _read_options(published, reading))
    if strict:
        items = _stop_at_first_error(items)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("ingesting", total=None)
        try:
            summary = pipeline.ingest(
                items, store, on_item=lambda: progress.advance(task), scheduler=scheduler
            )
        except EventsError as exc:  # a bad scheduler address, a store that went away: one line, exit 1
            _fail(str(exc))
    _report(summary)
    sys.exit(1 if summary.errors else 0)


@main.command()
@click.argument("target")
@click.option("--db", help="Store: SQLite path or database URL (default: EVENTS_DB, else the user data dir).")
@click.option("--every", default="10m", show_default=True, help="Time between passes: 30s, 10m, 2h, 1d.")
@click.option("--once", is_flag=True, help="Run a single pass and exit (non-zero if anything failed).")
@click.option(
    "--published", callback=_published, help="Publication date YYYY-MM-DD for inputs that carry none."
)
@_reader_options
def watch(target, db, every, once, published, **reading):
    """Watch a folder, feed file or feed URL and ingest new items as they appear (state kept in the store)."""
    from events.readers.watch import parse_interval
    from events.readers.watch import watch as run

    try:
        seconds = parse_interval(every)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--every") from exc
    store = _open_store(db)
    failed = False

    def report(summary):
        nonlocal failed
        failed = failed or bool(summary.errors)
        _report(summary)

    try:
        run(
            target,
            store,
            _read_options(published, reading),
            lambda items: pipeline.ingest(items, store),
            seconds,
            report,
            passes=1 if once else None,
            settle=0.0 if once else 2.0,
        )
    except KeyboardInterrupt:
        pass
    sys.exit(1 if failed and once else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option(
    "--published", callback=_published, help="Publication date YYYY-MM-DD for inputs that carry none."
)
@click.option("--with-background", is_flag=True, help="Also write earlier incidents told as context.")
@_reader_options
def extract(paths, fmt, published, with_background, **reading):
    """Extract events without storing them: one JSON object per event per line on stdout."""
    failed = False
    items = read_paths(paths, published, _read_options(published, reading))
    for _, found in pipeline.process_stream(items):
        if isinstance(found, EventsError):
            click.echo(f"error: {found}", err=True)
            failed = True
            continue
        for event in found:
            if with_background or not event.background:
                click.echo(json.dumps(event.to_contract(), ensure_ascii=False))
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--db", help="Store: SQLite path or database URL.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "geojson", "jsonl", "html", "parquet"]),
    default="jsonl",
    show_default=True,
)
@click.option("--start", callback=_published, help="First day YYYY-MM-DD.")
@click.option("--end", callback=_published, help="Last day YYYY-MM-DD.")
@click.option("--type", "types", multiple=True, help="Event type (repeatable).")
@click.option(
    "--country", "countries", multiple=True, help="Country: ISO code or name, e.g. PL or Poland (repeatable)."
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Output file (default stdout).")
def export(db, fmt, start, end, types, countries, out):
    """Write stored events, filtered, as CSV, GeoJSON, JSONL, a standalone HTML map or Parquet."""
    from events.countries import code_of
    from events.models import ontology
    from events.store import Filters

    unknown = sorted(set(types) - set(ontology()))
    if unknown:
        raise click.BadParameter(
            f"unknown type {unknown[0]!r}; known: {', '.join(ontology())}", param_hint="--type"
        )
    try:
        codes = tuple(code_of(c) for c in countries)
    except EventsError as exc:
        raise click.BadParameter(str(exc), param_hint="--country") from exc
    filters = Filters(
        start=start and start.isoformat(), end=end and end.isoformat(), types=tuple(types), countries=codes
    )
    store = _open_store(db)
    frame = store.query(filters)
    from events import export as files

    binary = fmt == "parquet"
    with click.open_file(out or "-", "wb" if binary else "w", encoding=None if binary else "utf-8") as stream:
        if binary:
            files.to_parquet(frame, stream, filters)
        else:
            files.export(frame, fmt, stream, filters)
    click.echo(f"{len(frame)} events exported", err=True)
    if frame.empty and store.counts()["events"]:
        click.echo(f"no stored event matches these filters: {files.filters_line(filters)}", err=True)


@main.group()
def gazetteer():
    """The offline gazetteer (built once into the cache dir)."""


@gazetteer.command("build")
@click.option(
    "--geonames",
    "dump",
    type=click.Path(dir_okay=False),
    help="Also take places from a GeoNames dump (allCountries.zip, a country's XX.zip, or its .txt); "
    "remembered for every later command.",
)
@click.option(
    "--classes", default=",".join(DEFAULT_CLASSES), show_default=True, help="GeoNames feature classes."
)
@click.option("--codes", default="", help="GeoNames feature codes to take as well (e.g. AIRP,PSTB,BDG).")
@click.option("--bundled-only", is_flag=True, help="Forget the GeoNames dump: the bundled sources only.")
def gazetteer_build(dump, classes, codes, bundled_only):
    """Build (or rebuild) the gazetteer SQLite file and print its counts, time and size."""
    from events.geo import geonames_dump
    from events.geo.gazetteer import FILE_NAME, build

    directory = config.cache_dir()
    try:
        if dump or bundled_only:
            geonames_dump.record(directory, geonames_dump.spec_for(dump, classes, codes) if dump else None)
        click.echo(json.dumps(build(directory / FILE_NAME)))
    except EventsError as exc:
        _fail(str(exc))


def _jsonl_command(run, source):
    """Stream JSONL rows from `run(lines)` to stdout; a bad line stops with its number and reason."""
    with click.open_file(source, encoding="utf-8") as lines:
        try:
            for row in run(lines):
                click.echo(json.dumps(row, ensure_ascii=False))
        except EventsError as exc:
            _fail(str(exc))


@main.command()
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def geoparse(source, fmt):
    """Find and geocode the places in {"id", "text"} lines; prints {"id", "toponyms"} lines."""
    from events.geo.api import geoparse_jsonl

    _jsonl_command(geoparse_jsonl, source)


@main.command()
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def resolve(source, fmt):
    """Fill in coordinates for given toponym spans: {"id", "text", "toponyms": [{"start", "end"}]} lines."""
    from events.geo.api import resolve_jsonl

    _jsonl_command(resolve_jsonl, source)


@main.command()
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False))
def link(source):
    """Pick the event's place among a sentence's names: {"id", "text", "event_verb": {"start", "end"}} lines in."""
    from events.extract.linking import link_jsonl

    _jsonl_command(link_jsonl, source)


@main.command()
@click.argument("name")
@click.option("--limit", default=5, show_default=True, help="How many candidates to list.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def geocode(name, limit, fmt):
    """Look a place name up in the gazetteer and list its candidates, best first."""
    from events.geo import geocode as lookup
    from events.geo.api import entry_name

    try:
        found = lookup(name, limit)
    except EventsError as exc:
        _fail(str(exc))
    if not found:
        _fail(f"{name!r}: no place of that name in the gazetteer")
    for t in found:
        if fmt == "json":
            click.echo(
                json.dumps(
                    {
                        "name": t.name,
                        "place": t.gazetteer_id,
                        "lat": t.lat,
                        "lon": t.lon,
                        "country": t.country,
                        "admin1": t.admin1,
                        "kind": t.kind,
                        "score": t.score,
                    }
                )
            )
        else:
            click.echo(
                f"{t.score:5.3f}  {t.lat:9.4f} {t.lon:10.4f}  {t.country or '--':2} {t.admin1 or '':10} "
                f"{t.kind:8} {t.gazetteer_id:22} {entry_name(t.gazetteer_id)}"
            )


def _open_store(db):
    from events.store import Store

    try:
        return Store(db)
    except EventsError as exc:
        _fail(str(exc))


def _stop_at_first_error(items):
    for item in items:
        yield item
        if isinstance(item, EventsError):
            return


if __name__ == "__main__":
    main()
