"""`events gazetteer build --geonames PATH`: a user's GeoNames dump as an extra source, on a generated file."""

import json
import os
import subprocess
import sys
import zipfile

from click.testing import CliRunner

from events.cli import main


def _row(gid, name, fclass, fcode, lat, lon, alternates=""):
    """One line of a GeoNames dump: 19 tab-separated columns (readme.txt of the export)."""
    cols = [str(gid), name, name, alternates, str(lat), str(lon), fclass, fcode, "KR", "", "06", "", "", ""]
    return "\t".join(cols + ["120", "", "100", "Asia/Seoul", "2024-01-01"]) + "\n"


def _geocode(cache, name):
    """Look a name up in a new process, as a later command would: the id of the best candidate."""
    code = f"from events import geo; t = geo.geocode({name!r}, 1); print(t[0].gazetteer_id if t else '')"
    env = {**os.environ, "EVENTS_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_dump_adds_the_chosen_classes_and_is_remembered(tmp_path):
    dump = tmp_path / "KR.zip"
    with zipfile.ZipFile(dump, "w") as z:
        z.writestr("readme.txt", "not places\n")
        z.writestr(
            "KR.txt",
            _row(90000001, "Jangsu-ri Testvillage", "P", "PPL", 38.11, 128.02, "Testvillage,Jangsuri")
            + _row(90000002, "Imaginary Pass", "T", "PASS", 38.2, 128.1)
            + _row(90000003, "Invented Stream", "H", "STM", 38.3, 128.2),
        )
    cache = tmp_path / "cache"
    runner = CliRunner(env={"EVENTS_CACHE_DIR": str(cache)})
    result = runner.invoke(main, ["gazetteer", "build", "--geonames", str(dump), "--classes", "P,T"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["geonames_dump"] == str(dump.resolve())
    assert _geocode(cache, "Testvillage") == "gn:90000001"  # by an other name, in a new process
    assert _geocode(cache, "Imaginary Pass") == "gn:90000002"
    assert _geocode(cache, "Invented Stream") == ""  # class H was not asked for
    result = runner.invoke(main, ["gazetteer", "build", "--bundled-only"])
    assert result.exit_code == 0 and json.loads(result.output)["geonames_dump"] is None
    assert _geocode(cache, "Imaginary Pass") == ""


def test_a_missing_or_malformed_dump_is_one_clear_error(tmp_path):
    runner = CliRunner(env={"EVENTS_CACHE_DIR": str(tmp_path / "cache")})
    result = runner.invoke(main, ["gazetteer", "build", "--geonames", str(tmp_path / "none.zip")])
    assert result.exit_code != 0 and "no such file" in result.output
    bad = tmp_path / "bad.txt"
    bad.write_text("123\tonly three\tcolumns\n", encoding="utf-8")
    result = runner.invoke(main, ["gazetteer", "build", "--geonames", str(bad)])
    assert result.exit_code != 0 and "line 1: 3 columns" in result.output
    result = runner.invoke(main, ["gazetteer", "build", "--geonames", str(bad), "--classes", "P,Q"])
    assert result.exit_code != 0 and "Q not among" in result.output
