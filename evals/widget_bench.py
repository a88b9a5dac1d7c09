"""What the widget costs the site it is embedded in, in real Chromium.

    python -m evals.widget_bench --runs 15

Serves a host page from another site (http://localhost:PORT) twice, without and with the widget's
one async tag pointing at a real `switchboard serve` (http://127.0.0.1:PORT), and loads each in a
fresh browser context (cold cache) `--runs` times, alternating. Reports, per variant, the median
and p90 of DOMContentLoaded, load, and a time-to-interactive proxy (the first idle callback after
load), and the widget's bytes before the chat is opened (raw and gzip) and once it is open.
Writes evals/reports/widget.json and .md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np

from evals.latency import _free_port

CHROMIUM = "/usr/bin/chromium"
REPORTS = Path(__file__).with_name("reports")

HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Host</title>
<style>body {{ font: 16px/1.5 Georgia, serif; max-width: 760px; margin: 40px auto; }}</style></head>
<body><h1>Acme pricing</h1>{paragraphs}<button id="buy">Buy</button>{tag}</body></html>"""

TIMINGS = """() => new Promise((done) => {
  const finish = () => requestIdleCallback(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    done({ dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, idle: performance.now() });
  });
  if (document.readyState === 'complete') setTimeout(finish, 0); else addEventListener('load', () => setTimeout(finish, 0));
})"""


def serve_site(root: Path) -> tuple[ThreadingHTTPServer, str]:
    """The files of `root` as another site: http://localhost:PORT, a different site from the
    app's http://127.0.0.1:PORT, as a customer's website is. Stop it with `.shutdown()`."""

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://localhost:{server.server_address[1]}"


def _host_site(root: Path, base_url: str) -> tuple[ThreadingHTTPServer, str]:
    paragraphs = "".join(f"<p>Paragraph {i}: plans, prices and what each includes.</p>" for i in range(60))
    (root / "plain.html").write_text(HOST_PAGE.format(paragraphs=paragraphs, tag=""), encoding="utf-8")
    tag = f'<script async src="{base_url}/widget.js" data-title="Acme help"></script>'
    (root / "widget.html").write_text(HOST_PAGE.format(paragraphs=paragraphs, tag=tag), encoding="utf-8")
    return serve_site(root)


def _summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(float(np.median(values)), 1), "p90_ms": round(float(np.percentile(values, 90)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        data_dir, site_dir = Path(tmp) / "data", Path(tmp) / "site"
        site_dir.mkdir()
        port = _free_port()
        env = {**os.environ, "SWITCHBOARD_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("switchboard")), "serve", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.5)
            host, site = _host_site(site_dir, base_url)
            script = httpx.get(f"{base_url}/widget.js").content
            results: dict[str, dict[str, list[float]]] = {v: {"dcl": [], "load": [], "idle": []} for v in ("plain", "widget")}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                for run in range(args.runs * 2):  # timings: nothing else observed while the page loads
                    variant = ("plain", "widget")[run % 2]
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(f"{site}/{variant}.html")
                    timings = page.evaluate(TIMINGS)
                    for key in ("dcl", "load", "idle"):
                        results[variant][key].append(timings[key])
                    context.close()
                # bytes: one more cold load, counting every response body from the app's origin
                context = browser.new_context()
                page = context.new_page()
                fetched: dict[str, int] = {}
                page.on("response", lambda r: r.url.startswith(base_url) and fetched.__setitem__(r.url, len(r.body())))
                page.goto(f"{site}/widget.html")
                page.locator("#switchboard-widget .launcher").wait_for()
                page.wait_for_load_state("networkidle")
                closed_bytes = sum(fetched.values())
                page.locator("#switchboard-widget .launcher").click()
                page.frame_locator("iframe").locator("#chat-title").wait_for()
                page.wait_for_load_state("networkidle")
                open_bytes = sum(fetched.values())
                context.close()
                browser.close()
            host.shutdown()
        finally:
            server.terminate()
            server.wait(timeout=10)

    report = {
        "runs_per_variant": args.runs,
        "without_widget": {k: _summary(v) for k, v in results["plain"].items()},
        "with_widget": {k: _summary(v) for k, v in results["widget"].items()},
        "widget_bytes_before_open": {"raw": closed_bytes, "gzip": len(gzip.compress(script))},
        "chat_bytes_once_opened_raw": open_bytes,
    }
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "widget.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Widget cost on the host page", "",
        f"{args.runs} cold loads per variant, alternating; Chromium {CHROMIUM}.", "",
        "| | DOMContentLoaded median / p90 (ms) | load median / p90 (ms) | first idle after load median / p90 (ms) |",
        "|---|---|---|---|",
    ]
    for name, key in (("without widget", "without_widget"), ("with widget", "with_widget")):
        r = report[key]
        lines.append(
            f"| {name} | {r['dcl']['median_ms']} / {r['dcl']['p90_ms']} | {r['load']['median_ms']} / {r['load']['p90_ms']} "
            f"| {r['idle']['median_ms']} / {r['idle']['p90_ms']} |"
        )
    b = report["widget_bytes_before_open"]
    lines += ["", f"Widget bytes before the chat is opened: {b['raw']} raw, {b['gzip']} gzip.",
              f"Everything from the app once the chat is opened (iframe page and its assets, raw): {open_bytes} bytes."]
    (REPORTS / "widget.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
