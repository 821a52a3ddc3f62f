"""A user's own GeoNames dump (allCountries.zip, a country file such as KR.zip, or its .txt) as an extra source
of the gazetteer: `events gazetteer build --geonames PATH --classes P,S --codes AIRP`.

The choice is recorded beside the built file (`gazetteer_sources.json`), so every later command uses the same
gazetteer until `events gazetteer build --bundled-only`. GeoNames data is CC BY 4.0 (https://www.geonames.org).
The dump's format: https://download.geonames.org/export/dump/readme.txt (19 tab-separated columns).
"""

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

from events.errors import InputError

RECORD = "gazetteer_sources.json"
DEFAULT_CLASSES = ("P", "S")  # populated places; spots, buildings, farms (airports, posts, stations)
# GeoNames feature classes -> the gazetteer's kinds
KINDS = {
    "P": "city",
    "S": "site",
    "T": "site",
    "V": "site",
    "R": "site",
    "L": "region",
    "H": "water",
    "U": "water",
}
MAX_NAMES = 12  # the own name, its ASCII form and the first other names: enough to be found, small to store


def recorded(directory: Path) -> dict | None:
    """The dump recorded for the gazetteer in this directory, if any."""
    path = directory / RECORD
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def record(directory: Path, spec: dict | None) -> None:
    """Remember (or, with None, forget) the dump for later builds and opens of this directory's gazetteer."""
    path = directory / RECORD
    if spec is None:
        path.unlink(missing_ok=True)
        return
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=1), encoding="utf-8")


def spec_for(path: str, classes: str, codes: str) -> dict:
    """A checked description of the dump: its absolute path, the classes and feature codes to take."""
    dump = Path(path).expanduser().resolve()
    if not dump.is_file():
        raise InputError(f"--geonames {path}: no such file")
    wanted = [c.strip().upper() for c in classes.split(",") if c.strip()]
    unknown = [c for c in wanted if c not in KINDS]
    if unknown:
        raise InputError(
            f"--classes {classes}: {', '.join(unknown)} not among {', '.join(KINDS)} (A: use codes)"
        )
    return {
        "geonames": str(dump),
        "classes": wanted,
        "codes": [c.strip().upper() for c in codes.split(",") if c.strip()],
    }


def fingerprint(spec: dict) -> str:
    """What a build from this dump depends on: the file (path, size, time) and the choice of features."""
    stat = Path(spec["geonames"]).stat()
    return (
        f"geonames:{spec['geonames']}:{stat.st_size}:{int(stat.st_mtime)}:{spec['classes']}:{spec['codes']}"
    )


def _lines(path: Path) -> Iterator[str]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                if member.endswith(".txt") and not member.lower().startswith("readme"):
                    with z.open(member) as f:
                        yield from io.TextIOWrapper(f, encoding="utf-8")
        return
    with path.open(encoding="utf-8") as f:
        yield from f


def rows(spec: dict) -> Iterator[dict]:
    """The dump's places of the chosen classes or feature codes, ready for the gazetteer builder."""
    classes, codes = set(spec["classes"]), set(spec["codes"])
    for number, line in enumerate(_lines(Path(spec["geonames"])), 1):
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 19:
            raise InputError(
                f"{spec['geonames']}: line {number}: {len(cols)} columns, a GeoNames dump has 19"
            )
        gid, name, ascii_name, others, lat, lon, fclass, fcode, cc = cols[:9]
        if fclass not in classes and fcode not in codes:
            continue
        a1, a2 = cols[10], cols[11]
        names = list(dict.fromkeys([ascii_name, *filter(None, others.split(","))]))[: MAX_NAMES - 1]
        yield {
            "key": f"gn:{gid}",
            "name": name,
            "kind": KINDS.get(fclass, "region"),
            "country": cc,
            "admin1": f"{cc}.{a1}" if a1 else "",
            "admin2": f"{cc}.{a1}.{a2}" if a1 and a2 else "",
            "population": int(cols[14] or 0),
            "lat": float(lat),
            "lon": float(lon),
            "names": [n for n in names if n != name],
        }
