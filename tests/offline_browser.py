"""Debian's headless Chromium with the network off, driven through chromedriver's W3C WebDriver
HTTP API (a few JSON requests: no client library to install).

Nothing leaves the machine: host names resolve to nothing (except localhost) and any connection
that still tries goes to a proxy on a closed local port. Every request the pages make is read from
Chromium's performance log (DevTools Network events), so a test can check that a page asked for
nothing outside the machine and that every file it asked for was there.

`make browser` installs chromium and chromium-driver (Debian packages) when they are missing.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("ANTQ_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ANTQ_CHROMEDRIVER", "/usr/bin/chromedriver")
NETWORK_OFF = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",  # the discard port, closed here: a connection that slips through fails
    "--disable-quic",
]
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--window-size=1400,1000",
]


SCREENSHOTS: list[Path] = []  # taken by tests; conftest lists them at the end of the run


class BrowserMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OfflineBrowser:
    def __init__(self, workdir: str | Path | None = None):
        for binary in (CHROMIUM, CHROMEDRIVER):
            if not os.access(binary, os.X_OK):
                raise BrowserMissing(
                    f"{binary} is not installed: `make browser` installs Debian's chromium and "
                    "chromium-driver (apt-get, as root)"
                )
        self._tmp = tempfile.TemporaryDirectory(prefix="antq-chromium-", dir=workdir)
        self.port = free_port()
        self._log = open(Path(self._tmp.name) / "chromedriver.log", "w")
        self._driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}"], stdout=self._log, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline or self._driver.poll() is not None:
                self.close()
                raise RuntimeError(f"chromedriver did not start (see {self._log.name})")
            time.sleep(0.2)
        options = {
            "binary": CHROMIUM,
            "args": [*HEADLESS, *NETWORK_OFF, f"--user-data-dir={Path(self._tmp.name) / 'profile'}"],
        }
        caps = {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"},
        }
        try:
            self.session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]
        except Exception:
            self.close()
            raise

    # ------------------------------------------------------------------ WebDriver
    def _call(self, method: str, path: str, body: dict | None = None, timeout: float = 120):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        # chromedriver is on loopback: never through a proxy the environment may name
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as err:
            detail = json.loads(err.read() or b"{}").get("value", {})
            raise RuntimeError(
                f"WebDriver {method} {path}: {detail.get('error')}: {str(detail.get('message'))[:500]}"
            ) from None

    def _session(self, method: str, path: str, body: dict | None = None, **kw):
        return self._call(method, f"/session/{self.session}{path}", body, **kw)

    def open(self, path_or_url: str | Path, ready: str | None = None, timeout: float = 30) -> None:
        """Load a page (a file path or URL) and wait until the `ready` script returns true."""
        url = path_or_url if "://" in str(path_or_url) else Path(path_or_url).resolve().as_uri()
        self._session("POST", "/url", {"url": url})
        self.wait_until(ready, timeout)

    def wait_until(self, ready: str | None = None, timeout: float = 30) -> None:
        """Wait until the page has loaded and the `ready` script returns true."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.run("return document.readyState === 'complete' && !!(%s)" % (ready or "true")):
                    return
            except RuntimeError:  # the page is changing under the script (a click that navigates)
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.run('return location.href')}: not ready after {timeout}s ({ready})")
            time.sleep(0.2)

    def click(self, css: str) -> None:
        """A real click (WebDriver's) on the first element the CSS selector finds."""
        element = self._session("POST", "/element", {"using": "css selector", "value": css})
        self._session("POST", f"/element/{next(iter(element.values()))}/click", {})

    def run(self, script: str, *args):
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script: str, *args):
        """`script` ends by calling arguments[arguments.length - 1](value)."""
        return self._session("POST", "/execute/async", {"script": script, "args": list(args)})

    def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._session("GET", "/screenshot")))
        return path

    def network_log(self) -> dict[str, list]:
        """What the pages asked for since the last call: {"requested": [url, ...], "failed":
        [(url, error), ...]}, from Chromium's DevTools Network events."""
        entries = self._session("POST", "/se/log", {"type": "performance"})
        requested, failed, urls = [], [], {}
        for entry in entries:
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.requestWillBeSent":
                urls[params["requestId"]] = params["request"]["url"]
                requested.append(params["request"]["url"])
            elif message["method"] == "Network.loadingFailed":
                failed.append((urls.get(params["requestId"], params["requestId"]), params.get("errorText")))
        return {"requested": requested, "failed": failed}

    def close(self) -> None:
        if getattr(self, "session", None):
            try:
                self._session("DELETE", "", timeout=30)
            except Exception:  # the browser may be gone already; the driver is stopped below
                pass
            self.session = None
        if self._driver.poll() is None:
            self._driver.terminate()
            try:
                self._driver.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._driver.kill()
        self._log.close()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
