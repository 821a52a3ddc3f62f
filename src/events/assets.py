"""The map's JS/CSS assets, taken from installed packages, so no page or export needs a CDN.

Leaflet and Leaflet.markercluster come from XStatic packages; leaflet.heat is the copy folium itself ships;
the basemap is the package's own data/basemap.
`ensure_static` copies them under the page's static/ folder (served by Streamlit at /app/static/...); `inline` gives their
text for standalone HTML exports.
"""

import base64
import re
import shutil
from importlib import import_module
from pathlib import Path

import folium

from events.config import DATA_DIR

URL_PREFIX = "/app/static/"  # Streamlit's static route (server.enableStaticServing)


def _xstatic(name: str) -> Path:
    return Path(import_module(f"xstatic.pkg.{name}").BASE_DIR)


def sources() -> dict[str, Path]:
    """Asset name (its path under static/) -> the installed file it is copied from."""
    leaflet, cluster = _xstatic("leaflet"), _xstatic("leaflet_markercluster")
    found = {
        "leaflet/leaflet.js": leaflet / "leaflet.js",
        "leaflet/leaflet.css": leaflet / "leaflet.css",
        "markercluster/leaflet.markercluster.js": cluster / "leaflet.markercluster.js",
        "markercluster/MarkerCluster.css": cluster / "MarkerCluster.css",
        "markercluster/MarkerCluster.Default.css": cluster / "MarkerCluster.Default.css",
        "heat/leaflet-heat.js": Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js",
    }
    for image in sorted((leaflet / "images").glob("*.png")):
        found[f"leaflet/images/{image.name}"] = image
    for layer in sorted((DATA_DIR / "basemap").glob("*.geojson")):  # the bundled Natural Earth basemap
        found[f"basemap/{layer.name}"] = layer
    return found


def url(name: str) -> str:
    """The page URL of an asset, absolute so it resolves inside the st_folium iframe too."""
    return URL_PREFIX + name


def ensure_static(dest: Path) -> Path:
    """Copy every asset under `dest` (the static/ folder beside the page's script), skipping files already there with the same size (idempotent)."""
    for name, src in sources().items():
        target = dest / name
        if target.exists() and target.stat().st_size == src.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".tmp")
        shutil.copyfile(src, tmp)
        tmp.replace(target)  # atomic: a page loading meanwhile never sees half a file
    return dest


def inline(name: str) -> str:
    """The text of a JS/CSS asset, with CSS images turned into data: URIs, for a standalone file."""
    src = sources()[name]
    text = src.read_text(encoding="utf-8")
    if name.endswith(".css"):

        def data_uri(match: re.Match) -> str:
            image = src.parent / match.group(1)
            if not image.is_file():
                return match.group(0)
            return "url(data:image/png;base64," + base64.b64encode(image.read_bytes()).decode() + ")"

        text = re.sub(r"url\(([^)'\"]+\.png)\)", data_uri, text)
    return text
