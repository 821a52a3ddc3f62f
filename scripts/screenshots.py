"""Regenerate docs/analyst.png and docs/present.png: the dashboard in headless Chromium, network blocked.

    python scripts/screenshots.py [--db STORE] [--out docs]

Without --db, the bundled samples (data/samples) are ingested into a temporary store first.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def sample_store(path: Path) -> str:
    """Ingest data/samples into a fresh SQLite store; returns its URL."""
    from events import pipeline
    from events.config import SAMPLES_PUBLISHED
    from events.readers import read_paths
    from events.store import Store

    store = Store(str(path))
    summary = pipeline.ingest(read_paths([str(ROOT / "data" / "samples")], SAMPLES_PUBLISHED), store)
    print(summary.line(), file=sys.stderr)
    return store.url


def serve(db: str, log: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "EVENTS_DB": db, "EVENTS_NO_SAMPLES": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, base
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"streamlit did not start; see {log}")


def map_frame(page):
    for _ in range(200):
        for frame in page.frames:
            if "st_folium" in frame.url and frame.locator(".leaflet-container[data-events-shown]").count():
                return frame
        page.wait_for_timeout(300)
    raise SystemExit("the map did not appear")


def offline(route):
    if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def shoot(base: str, out: Path) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1450}, device_scale_factor=1)
        page.route("**/*", offline)
        page.goto(base + "/")
        frame = map_frame(page)
        page.wait_for_timeout(1500)
        # Open the popup of the first Korean event (the seed article), as an analyst would.
        # The Korean border at a regional zoom, with the popup of an event drawn there open.
        frame.evaluate("() => window.eventsMap.map.setView([37.85, 126.95], 9, {animate: false})")
        page.wait_for_timeout(1200)
        frame.evaluate("""() => {
            const em = window.eventsMap, c = em.map.getCenter();
            const near = em.visible().filter(i => em.event(i).prec === "exact").sort((a, b) =>
                c.distanceTo([em.event(a).lat, em.event(a).lon]) - c.distanceTo([em.event(b).lat, em.event(b).lon]));
            if (near.length) em.open(near[0]);
        }""")
        page.wait_for_timeout(1500)
        page.screenshot(path=str(out / "analyst.png"))

        page.set_viewport_size({"width": 1600, "height": 900})
        page.goto(base + "/?present=1")
        frame = map_frame(page)
        page.wait_for_timeout(1000)
        for _ in range(3):
            frame.locator(".ev-next").click()
            page.wait_for_timeout(1600)
        page.screenshot(path=str(out / "present.png"))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store (path or URL); default: the samples in a temp store")
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG files")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or sample_store(Path(tmp) / "events.sqlite")
        proc, base = serve(db, Path(tmp) / "streamlit.log")
        try:
            shoot(base, out)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"wrote {out / 'analyst.png'} and {out / 'present.png'}")


if __name__ == "__main__":
    main()
