"""Every page of the web app in a real headless Chromium against a live gunicorn: axe-core finds no serious
violation at 1280 and 768 pixels (and each page is screenshotted into docs/screenshots/), and the keyboard
reaches the content first with a visible focus. The scenarios are in tests/test_web_browser.py."""
import pytest
from browser import FUNDER, SCREENSHOTS, WIDTHS, api_json, assert_clean, axe_serious, requires_chromium, sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.system, requires_chromium]


# -- every page: axe-core and screenshots -----------------------------------------------------------------

PAGES = [
    ("sign-in", "/sign-in", None),
    ("dashboard", "/", "[data-dimension=donor] .chart[data-chart-ready]"),
    ("dashboard-filtered", "/?region=europe&year_from=2004&year_to=2006",
     "[data-dimension=year] .chart[data-chart-ready]"),
    ("dashboard-funder", f"/?funder={FUNDER}", "[data-dimension=donor] .chart[data-chart-ready]"),
    ("projects", "/projects?sort=-budget", "table.projects tbody tr[data-code]"),
    ("project", "/projects/DEMO-000002", "#finance .chart[data-chart-ready]"),
    ("project-annex", "/projects/TCM-ANNEX-07", "#history"),
    ("project-co-funded", "/projects/DEMO-000003", "[data-table=by-donor]"),
    ("project-new", "/projects/new", "#priorities"),
    ("project-edit", "/projects/DEMO-000002/edit", "#priorities"),
    ("budget-line-new", "/projects/DEMO-000002/budget-lines/new", "#period_start"),
    ("transaction-edit", "/projects/DEMO-000002/transactions/{transaction}/edit", "#reference"),
    ("import", "/import", "#import-file"),
    ("rcps", "/rcps", "table"),
    ("rcp", "/rcps/puebla-process", "#rcp-projects ~ p, table"),
    ("organisations", "/organisations", "table"),
    ("organisation", "/organisations/IOM", "[data-table=organisation-figures]"),
    ("vocabularies", "/vocabularies", "#voc-countries"),
    ("exchange-rates", "/exchange-rates", "[data-table=rates]"),
    ("tokens", "/admin/tokens", "[data-table=tokens]"),
    ("users", "/admin/users", "[data-table=users]"),
]


def test_every_page_passes_axe_and_is_screenshotted_at_1280_and_768(demo, pages):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures = {}
    for width in WIDTHS.values():
        page = pages(width=width)
        sign_in(page, "ada")
        transaction = api_json(page, "/api/v1/projects/DEMO-000002/transactions")[0]["id"]
        for name, path, ready in PAGES:
            if name == "sign-in":
                continue
            page.goto(path.format(transaction=transaction))
            page.locator("h1").wait_for()
            if ready:
                page.locator(ready).first.wait_for()
            page.wait_for_load_state("networkidle")
            serious = axe_serious(page)
            if serious:
                failures[f"{name}@{width}"] = serious
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        assert_clean(page)
        signed_out = pages(width=width)
        signed_out.goto("/sign-in")
        signed_out.locator("#username").wait_for()
        if serious := axe_serious(signed_out):
            failures[f"sign-in@{width}"] = serious
        signed_out.screenshot(path=str(SCREENSHOTS / f"sign-in-{width}.png"), full_page=True)
    assert failures == {}


def test_keyboard_first_stop_skips_to_the_content_and_focus_is_visible(people, pages):
    page = pages()
    sign_in(page, "eli", next_path="/projects")
    page.reload()  # a visit's first page: the browser's focus, at the top
    page.locator("table.projects td").first.wait_for()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the first control of the page: the filters' summary
    focused = page.evaluate("[document.activeElement.tagName, getComputedStyle(document.activeElement).outlineStyle]")
    assert focused[0] != "BODY" and focused[1] != "none", focused
    # After a navigation inside the app, the new page's heading has the focus.
    page.get_by_role("link", name="RCPs").click()
    expect(page.locator("h1")).to_be_focused()
    assert_clean(page)
