"""Open dashboards in a real headless Chromium and check that every chart rendered; runs in bi/.venv.

    python bi/browser_check.py --url http://127.0.0.1:8088 --user admin --out DIR slug=charts ...

Logs in through Superset's login page, opens each dashboard (by slug), waits until it shows as
many charts as it has (`charts`, from its position) and none is loading, saves DIR/<slug>.png,
and fails (exit 1, one line per problem) on a chart that is empty ("No results"), an error box,
or "permission denied" anywhere on the page. The password comes from ANTQ_SUPERSET_ADMIN_PASSWORD.

Chromium is Debian's (`chromium`, `chromium-driver`), run headless with a fresh profile and no
network of its own: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("ANTQ_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ANTQ_CHROMEDRIVER", "/usr/bin/chromedriver")

# what a chart holder shows instead of a chart
EMPTY_MARKERS = ("No results were returned", "No data", "Không có kết quả")
ERROR_SELECTORS = ('[data-test="chart-error"]', ".ant-alert-error", '[role="alert"]', ".error-alert")
LOADING_SELECTORS = ('[data-test="loading-indicator"]', ".loading", ".ant-skeleton")


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1600,1300",
        "--lang=vi-VN",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def login(driver, url: str, user: str, password: str, timeout: float) -> None:
    driver.get(url + "/login/")
    wait = WebDriverWait(driver, timeout)
    wait.until(lambda d: d.find_elements(By.ID, "username"))
    driver.find_element(By.ID, "username").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, '[data-test="login-button"]').click()
    try:
        wait.until(lambda d: "/login" not in d.current_url)
    except TimeoutException:
        raise SystemExit(f"login as {user} failed: still on {driver.current_url}") from None


def chart_states(driver) -> list[dict]:
    """For each chart on the page: its title, whether it is loading, and what it shows."""
    states = []
    for holder in driver.find_elements(By.CSS_SELECTOR, '[data-test="dashboard-component-chart-holder"]'):
        title = " ".join(e.text for e in holder.find_elements(By.CSS_SELECTOR, '[data-test="editable-title"]'))
        loading = any(holder.find_elements(By.CSS_SELECTOR, s) for s in LOADING_SELECTORS)
        errors = [e.text.strip() or s for s in ERROR_SELECTORS for e in holder.find_elements(By.CSS_SELECTOR, s)]
        body = holder.find_elements(By.CSS_SELECTOR, '[data-test="slice-container"]')
        text = body[0].text if body else ""
        drawn = bool(body) and bool(body[0].find_elements(By.CSS_SELECTOR, "svg, canvas, table") or text.strip())
        states.append({"title": title.strip(), "loading": loading, "errors": errors, "text": text, "drawn": drawn})
    return states


def check_dashboard(driver, url: str, slug: str, charts: int, out: Path, timeout: float) -> list[str]:
    driver.get(f"{url}/superset/dashboard/{slug}/")
    states: list[dict] = []

    def settled(d) -> bool:
        nonlocal states
        try:
            states = chart_states(d)
        except StaleElementReferenceException:
            return False
        return len(states) >= charts and all(not s["loading"] and (s["drawn"] or s["errors"]) for s in states)

    problems = []
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(settled)
    except TimeoutException:
        pending = [s["title"] or "?" for s in states if s["loading"] or not s["drawn"]]
        problems.append(f"{slug}: after {timeout:.0f}s {len(states)} of {charts} charts shown; not rendered: {pending}")
    time.sleep(1)  # let the last animation end before the picture
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight, "
        "document.querySelector('[data-test=\"dashboard-content-wrapper\"]')"
        "?.scrollHeight || 0) + 200"
    )
    driver.set_window_size(1600, max(1300, min(int(height), 6000)))
    time.sleep(1)
    shot = out / f"{slug}.png"
    driver.save_screenshot(str(shot))
    driver.set_window_size(1600, 1300)
    for s in states:
        name = s["title"] or "?"
        if s["errors"]:
            problems.append(f"{slug}: chart {name!r} shows an error: {s['errors'][0][:300]}")
        elif any(marker in s["text"] for marker in EMPTY_MARKERS):
            problems.append(f"{slug}: chart {name!r} is empty: {s['text'][:200]!r}")
    if "permission denied" in driver.page_source.lower():
        problems.append(f"{slug}: the page says 'permission denied'")
    print(
        json.dumps(
            {"dashboard": slug, "charts": len(states), "screenshot": str(shot), "problems": len(problems)},
            ensure_ascii=False,
        ),
        flush=True,
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", default="admin")
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for a dashboard's charts")
    parser.add_argument("dashboards", nargs="+", help="slug=number of charts")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    password = os.environ["ANTQ_SUPERSET_ADMIN_PASSWORD"]
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="antq-chromium-") as profile:
        driver = browser(Path(profile))
        try:
            login(driver, args.url.rstrip("/"), args.user, password, args.timeout)
            for spec in args.dashboards:
                slug, _, charts = spec.partition("=")
                problems += check_dashboard(driver, args.url.rstrip("/"), slug, int(charts or 1), out, args.timeout)
        finally:
            driver.quit()
    for problem in problems:
        print("PROBLEM " + problem, flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
