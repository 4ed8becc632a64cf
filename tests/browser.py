"""Driving the web app in a real headless Chromium (Debian's /usr/bin/chromium, through Playwright for Python;
never a downloaded browser), against a live gunicorn (tests/live.py)."""
import os
from pathlib import Path
from urllib.parse import quote

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# The closed network refuses Chromium's background connections: none is attempted.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
WIDTHS = {"desktop": 1280, "tablet": 768}
PASSWORD = "correct horse battery staple"

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium; "
                                  ".ci/run does) to run the browser tests")

# Collected in every page: Content-Security-Policy violations and uncaught script errors, so that a test
# fails on either even when what it looks at seems fine.
WATCH = """
window.__tcmViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__tcmViolations.push(
  e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def new_page(browser, base_url: str, width: int = WIDTHS["desktop"], **options):
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900},
                                  accept_downloads=True, **options)
    context.add_init_script(WATCH)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def assert_clean(page) -> None:
    """No policy violation and no uncaught error in the page so far."""
    assert page.evaluate("window.__tcmViolations") == []
    assert page.errors == []


def sign_in(page, username: str, password: str = PASSWORD, next_path: str = "/") -> None:
    page.goto(f"/sign-in?next={quote(next_path, safe='/')}")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def axe_serious(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


def figure(text: str) -> str | None:
    """A figure as the page shows it -> the API's decimal string (None for unknown)."""
    text = text.strip()
    if text == "unknown":
        return None
    return text.replace(",", "").replace(" %", "")


def assert_api_fetched_once(page) -> None:
    """Every API URL the page fetched, fetched once: what the shell preloads is what the scripts then ask for
    (a preload the script did not reuse would show as a second request for the same URL)."""
    names = page.evaluate("performance.getEntriesByType('resource').map(r => r.name)"
                          ".filter(n => n.includes('/api/v1/') || n.includes('/i18n/'))")
    twice = sorted({name for name in names if names.count(name) > 1})
    assert twice == [], twice


FUNDER = "DEMO-DONOR-01"  # a donor of `flask demo-data`


def api_json(page, path):
    """The API's answer to the signed-in person of this page (the same cookie)."""
    response = page.request.get(path)
    assert response.ok, (path, response.status, response.text())
    return response.json()


def csrf(page) -> str:
    return api_json(page, "/api/v1/session")["csrf_token"]
