"""The web app in a real headless Chromium against a live gunicorn: the scenarios of issue #23's "Must show".

Each test signs in as a person (accounts made with the same service as `flask users create`), works through
the pages as they would, and checks the outcome against the API's own answers. Every page a test opens is
watched for Content-Security-Policy violations and uncaught script errors."""
import csv
import io
import re
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser import (
    FUNDER,
    PASSWORD,
    api_json,
    assert_api_fetched_once,
    assert_clean,
    axe_serious,
    csrf,
    figure,
    new_page,
    requires_chromium,
    sign_in,
)
from live import LiveServer, free_port
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.system, requires_chromium]


# -- signing in -------------------------------------------------------------------------------------------

def test_sign_in_and_out_and_a_wrong_password_is_refused(people, pages):
    page = pages()
    page.goto("/projects?region=europe")
    page.wait_for_url(re.compile(r"/sign-in\?next="))  # not signed in: sent to sign in, and back after
    page.locator("#username").fill("eli")
    page.locator("#password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_test_id("signin-error").inner_text() == "The username or password is not right."
    assert page.locator("#password").input_value() == ""
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/projects\?region=europe$"))
    assert "Eli Editor (editor)" in page.locator("header").inner_text()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in"))
    assert page.request.get("/api/v1/session").status == 401
    page.goto("/projects")
    page.wait_for_url(re.compile(r"/sign-in\?next="))
    # A page that asks nothing of the API before it knows the person (with reads open to all, every form): not
    # "your role may not", but the way to sign in, and back.
    page.goto("/import")
    page.get_by_test_id("sign-in-first").click()
    page.locator("#username").fill("eli")
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/import$"))
    assert "may not import" in page.locator("main").inner_text()  # an editor's role: the reason, no sign-in link
    assert page.get_by_test_id("sign-in-first").count() == 0
    assert_clean(page)


@pytest.fixture
def limited_server(app):
    """A server with rate limits on (the shared one has them off), one worker so one counter."""
    live = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1, env={"RATELIMIT_DISABLED": "0"})
    yield live
    live.stop()


def test_repeated_wrong_passwords_are_limited(people, browser, limited_server):
    page = new_page(browser, f"http://127.0.0.1:{limited_server.port}")
    try:
        page.goto("/sign-in")
        seen = []
        for _ in range(30):
            # The previous attempt's answer handled first: a refusal clears the password as it enables the button,
            # and a password typed before that render was cleared, so the form's `required` kept the click from
            # submitting (a 90 s wait for a request never sent, once, under load).
            button = page.locator("main").get_by_role("button", name="Sign in")
            button.and_(page.locator(":enabled")).wait_for()
            page.locator("#username").fill("eli")
            page.locator("#password").fill("wrong password, again")
            with page.expect_response(lambda r: r.url.endswith("/api/v1/session") and r.request.method == "POST",
                                      timeout=90_000) as answer:
                button.click()
            seen.append(answer.value.status)
            if seen[-1] == 429:
                break
        assert seen[0] == 401 and seen[-1] == 429, seen
        assert page.get_by_test_id("signin-error").inner_text().startswith("Too many attempts.")
        assert_clean(page)
    finally:
        page.context.close()


# -- the dashboard ----------------------------------------------------------------------------------------

def _table_rows(page, selector):
    return page.locator(selector).evaluate("""table => [...table.querySelectorAll('tbody tr, tfoot tr')].map(tr =>
        ({key: tr.dataset.key, cells: [...tr.querySelectorAll('th, td')].map(c => c.innerText)}))""")


def test_dashboard_figures_equal_the_api_to_the_cent(demo, pages):
    page = pages()
    sign_in(page, "ada")
    page.wait_for_selector("[data-dimension=donor] .chart[data-chart-ready]")
    summary = api_json(page, "/api/v1/portfolio/summary")
    for name in ("baseline.project_count", "baseline.budget_usd", "itemized.project_count", "itemized.budget_usd",
                 "itemized.known_budget_count", "itemized.unknown_budget_count"):
        group, field = name.split(".")
        assert figure(page.locator(f'[data-value="{name}"]').inner_text()) == str(summary[group][field]), name
    assert summary["itemized"]["unknown_budget_count"] == 15  # the annex projects: unknown, never 0
    for dimension in ("region", "priority", "year", "donor"):
        answer = api_json(page, f"/api/v1/aggregates/{dimension}")
        shown = _table_rows(page, f"table[data-dimension={dimension}]")
        expected = answer["rows"] + [answer["total"]]
        assert len(shown) == len(expected)
        for row, want in zip(shown, expected, strict=True):
            _, count, budget, spent, remaining, percent, unknown_budget, unknown_spent = row["cells"]
            assert figure(count) == str(want["project_count"])
            assert figure(budget) == want["budget_usd"]
            assert figure(spent) == want["expenditure_usd"]
            assert figure(remaining) == want["remaining_usd"]
            assert figure(percent) == want["spent_percent"]
            assert figure(unknown_budget) == str(want["unknown_budget_count"])
            assert figure(unknown_spent) == str(want["unknown_expenditure_count"])
    unknown_donor = page.locator('table[data-dimension=donor] tr[data-key=""]').inner_text()
    assert "unknown" in unknown_donor and "0.00" not in unknown_donor
    page.goto("/?region=europe&q=synthetic*&year_from=2004")  # a filtered view: its preloads are its fetches
    page.wait_for_selector("[data-dimension=donor] .chart[data-chart-ready]")
    assert_api_fetched_once(page)
    page.goto("/")
    page.wait_for_selector("[data-dimension=donor] .chart[data-chart-ready]")
    assert_api_fetched_once(page)
    cross = api_json(page, "/api/v1/aggregates/region-priority")
    shown = _table_rows(page, "[data-table=region-priority] table")
    for row, want in zip(shown, cross["rows"], strict=False):
        assert [figure(c) for c in row["cells"][1:]] == [c["budget_usd"] for c in want["cells"]] + [want["budget_usd"]]
    assert [figure(c) for c in shown[-1]["cells"][1:]] == [c["budget_usd"] for c in cross["columns"]] + [
        cross["total"]["budget_usd"]]
    assert_clean(page)


def test_a_charts_csv_download_is_the_apis_file_for_the_filtered_view(demo, pages):
    page = pages()
    sign_in(page, "ada", next_path="/?region=europe&year_from=2004&year_to=2006")
    link = page.locator("[data-dimension=priority]").get_by_role("link", name="Download CSV (Priority)")
    with page.expect_download() as download:
        link.click()
    path = "/api/v1/aggregates/priority.csv?region=europe&year_from=2004&year_to=2006"
    assert link.get_attribute("href") == path
    body = download.value.path().read_bytes()
    assert body == page.request.get(path).body()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    table = _table_rows(page, "table[data-dimension=priority]")
    assert [figure(r["cells"][2]) for r in table] == [r["budget_usd"] or None for r in rows]
    xlsx = page.locator("[data-dimension=priority]").get_by_role("link", name="Download XLSX (Priority)")
    assert xlsx.get_attribute("href") == path.replace(".csv", ".xlsx")
    assert_clean(page)


def test_a_budget_line_and_a_transaction_added_in_the_app_change_the_dashboard(demo, pages):
    page = pages()
    sign_in(page, "ada")
    page.wait_for_selector("table[data-dimension=year]")
    before = api_json(page, "/api/v1/aggregates/year")["total"]
    shown = figure(page.locator('table[data-dimension=year] tfoot tr[data-key=total] td').nth(1).inner_text())
    assert shown == before["budget_usd"]
    page.goto("/projects/DEMO-000001")
    page.get_by_role("link", name="Add a budget line").click()
    page.locator("#period_start").fill("2011-01-01")
    page.locator("#period_end").fill("2011-12-31")
    page.locator("#amount").fill("12345.67")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/projects/DEMO-000001#budget-lines$"))
    page.get_by_role("link", name="Add a transaction").click()
    page.locator("#reference").fill("WEB-EXP-1")
    page.locator("#date").fill("2011-03-31")
    page.locator("#amount").fill("1000.01")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/projects/DEMO-000001#transactions$"))
    assert "WEB-EXP-1" in page.locator("[data-table=transactions]").inner_text()
    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_selector("[data-dimension=year] .chart[data-chart-ready]")
    total = page.locator('table[data-dimension=year] tfoot tr[data-key=total] td')
    assert figure(total.nth(1).inner_text()) == str(Decimal(before["budget_usd"]) + Decimal("12345.67"))
    assert figure(total.nth(2).inner_text()) == str(Decimal(before["expenditure_usd"]) + Decimal("1000.01"))
    row_2011 = page.locator('table[data-dimension=year] tr[data-key="2011"] td')
    assert figure(row_2011.nth(1).inner_text()) == api_json(page, "/api/v1/aggregates/year")["rows"][-1]["budget_usd"]
    history = api_json(page, "/api/v1/projects/DEMO-000001/history")
    added = {e["actor"] for e in history if e["action"] == "create" and e["entity"] != "project"}
    assert added == {"user:ada (Ada Admin)"}
    assert_clean(page)


DIMENSION_CELLS = ("project_count", "budget_usd", "expenditure_usd", "remaining_usd", "spent_percent",
                   "unknown_budget_count", "unknown_expenditure_count")


def _assert_dimension_table(page, dimension, answer):
    shown = _table_rows(page, f"table[data-dimension={dimension}]")
    expected = answer["rows"] + [answer["total"]]
    assert len(shown) == len(expected), dimension
    for row, want in zip(shown, expected, strict=True):
        assert [figure(c) for c in row["cells"][1:]] == [None if want[m] is None else str(want[m])
                                                         for m in DIMENSION_CELLS], (dimension, row["key"])


def _eventually(check, seconds=15):
    """check() passes within the time: after a navigation inside the app, a table shows the previous view's
    figures until the new answer arrives."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _assert_crossed_table(page, selector, answer, measure="budget_usd"):
    shown = _table_rows(page, f"{selector} table")
    assert len(shown) == len(answer["rows"]) + 1
    for row, want in zip(shown, answer["rows"], strict=False):
        assert row["key"] == ("" if want["key"] is None else str(want["key"]))
        assert [figure(c) for c in row["cells"][1:]] == [c[measure] for c in want["cells"]] + [want[measure]]
    assert [figure(c) for c in shown[-1]["cells"][1:]] == [c[measure] for c in answer["columns"]] + [
        answer["total"][measure]]


def test_the_dashboard_for_one_funder_shows_the_apis_figures_for_that_funder_to_the_cent(demo, pages):
    page = pages()
    sign_in(page, "fay", next_path="/?region=europe")
    page.wait_for_selector("[data-dimension=donor] .chart[data-chart-ready]")
    # Whose money: chosen from the organisations; the project filters stay.
    page.locator("#funder").focus()
    page.locator("#funder").select_option(FUNDER)
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url(re.compile(rf"/\?region=europe&funder={FUNDER}$"))
    page.wait_for_selector(f"#funder-totals[data-funder={FUNDER}]")
    page.wait_for_selector("[data-dimension=donor] .chart[data-chart-ready]")
    query = f"?region=europe&funder={FUNDER}"
    for dimension in ("region", "priority", "year", "donor"):
        answer = api_json(page, f"/api/v1/aggregates/{dimension}{query}")
        assert answer["filters"] == {"region": "europe", "funder": FUNDER}
        _eventually(lambda dimension=dimension, answer=answer: _assert_dimension_table(page, dimension, answer))
        for kind in ("csv", "xlsx"):  # the API's file for exactly this view
            link = page.locator(f"[data-dimension={dimension}]").get_by_role(
                "link", name=re.compile(f"^Download {kind.upper()}"))
            assert link.get_attribute("href") == f"/api/v1/aggregates/{dimension}.{kind}{query}"
    # The funder's totals are its row among every donor (the same project filter, no money filter).
    donors = api_json(page, "/api/v1/aggregates/donor?region=europe")
    row = next(r for r in donors["rows"] if r["key"] == FUNDER)
    for measure in ("budget_usd", "expenditure_usd", "remaining_usd", "incoming_funds_usd", "spent_percent",
                    "project_count"):
        assert figure(page.locator(f'[data-value="funder.{measure}"]').inner_text()) == str(row[measure]), measure
    assert page.locator("#baseline").count() == 0  # the baseline is the whole portfolio's: not shown for a funder
    # Budget against spent by donor shows what its figures are attributed by: the answer's own basis.
    answer = api_json(page, f"/api/v1/aggregates/donor{query}")
    basis = page.locator("[data-dimension=donor] [data-basis=donor]")
    assert basis.get_attribute("open") is not None
    assert basis.locator("[data-measure=budget] dd").inner_text() == answer["basis"]["budget"]
    assert basis.locator("[data-measure=expenditure] dd").inner_text() == answer["basis"]["expenditure"]
    # The crossed tables answer the funder's money too; a download is the API's file byte for byte.
    crossed = api_json(page, f"/api/v1/aggregates/donor/region{query}")
    _eventually(lambda: _assert_crossed_table(page, '[data-table="donor/region"]', crossed))
    _assert_crossed_table(page, "[data-table=region-priority]", {
        **(cross := api_json(page, f"/api/v1/aggregates/region-priority{query}")),
        "rows": [{**r, "key": r["region"]} for r in cross["rows"]]})
    link = page.locator("[data-dimension=region]").get_by_role("link", name="Download CSV (Region)")
    with page.expect_download() as download:
        link.click()
    assert download.value.path().read_bytes() == page.request.get(f"/api/v1/aggregates/region.csv{query}").body()
    assert axe_serious(page) == []
    # Reloaded, the URL gives the same view, each answer fetched once (what the shell preloads is what the page
    # asks for); "every funder" takes the money filter off and keeps the rest.
    page.reload()
    page.wait_for_selector(f"#funder-totals[data-funder={FUNDER}]")
    page.wait_for_selector('[data-table="donor/region"] table')
    page.wait_for_load_state("networkidle")
    assert page.locator("#funder").input_value() == FUNDER
    assert_api_fetched_once(page)
    page.get_by_role("link", name="Show every funder's money").click()
    page.wait_for_url(re.compile(r"/\?region=europe$"))
    page.wait_for_selector("#baseline")
    # An unknown funder: the API's 422, shown at the funder field.
    page.goto("/?funder=NOPE")
    error = page.locator("#funder-error")
    error.wait_for()
    assert "NOPE" in error.inner_text()
    assert page.locator("#funder").get_attribute("aria-invalid") == "true"
    assert_clean(page)


def test_the_donor_by_region_table_is_the_apis_crossed_answer_with_its_files(demo, pages):
    page = pages()
    sign_in(page, "ada", next_path="/?year_from=2004&year_to=2004")
    section = page.locator('[data-table="donor/region"]')
    section.locator("table").wait_for()
    path = "/api/v1/aggregates/donor/region?year_from=2004&year_to=2004"
    # The two tables below the charts ask once the charts' four answers are in (they would otherwise share the
    # server with them), and the first screen's mark (bench/web.py) comes once the charts and the baseline are shown.
    page.locator('[data-table="region-priority"] table').wait_for()
    timing = page.evaluate("""() => {
        const api = performance.getEntriesByType('resource').filter(r => r.name.includes('/api/v1/'));
        const ended = (name) => api.filter(r => new URL(r.name).pathname === name).map(r => r.responseEnd);
        const started = (name) => api.filter(r => new URL(r.name).pathname === name).map(r => r.startTime);
        const mark = performance.getEntriesByName('tcm:dashboard-charts').map(m => m.startTime);
        return {charts: ['region', 'priority', 'year', 'donor'].flatMap(d => ended('/api/v1/aggregates/' + d)),
                summary: ended('/api/v1/portfolio/summary'),
                tables: ['/api/v1/aggregates/region-priority', '/api/v1/aggregates/donor/region'].flatMap(started),
                mark};
    }""")
    assert len(timing["charts"]) == 4 and len(timing["tables"]) == 2 and len(timing["mark"]) == 1, timing
    assert min(timing["tables"]) >= max(timing["charts"]), timing
    assert timing["mark"][0] >= max(timing["charts"] + timing["summary"]), timing
    answer = api_json(page, path)
    _assert_crossed_table(page, '[data-table="donor/region"]', answer)
    page.locator("#crossed-donor-region-measure").select_option("expenditure_usd")
    _assert_crossed_table(page, '[data-table="donor/region"]', answer, "expenditure_usd")
    csv_link = section.get_by_role("link", name="Download CSV (Donor × Region)")
    assert csv_link.get_attribute("href") == path.replace("/region?", "/region.csv?")
    xlsx = section.get_by_role("link", name="Download XLSX (Donor × Region)")
    assert xlsx.get_attribute("href") == path.replace("/region?", "/region.xlsx?")
    with page.expect_download() as download:
        csv_link.click()
    assert download.value.path().read_bytes() == page.request.get(csv_link.get_attribute("href")).body()
    assert_clean(page)
    # A viewer may not see figures: the page says so, and offers no funder to choose.
    viewer = pages()
    sign_in(viewer, "vic", next_path=f"/?funder={FUNDER}")
    viewer.get_by_text("Your role may not see portfolio figures").wait_for()
    assert viewer.locator("#funder").count() == 0
    assert_clean(viewer)


# -- the project list -------------------------------------------------------------------------------------

def _codes(page):
    return page.locator("table.projects tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")


def test_filter_search_sort_and_page_then_reload_to_the_same_view(demo, pages):
    page = pages()
    sign_in(page, "eli", next_path="/projects")
    page.locator("#pf-region").select_option("asia-oceania")
    page.locator("#pf-q").fill("synthetic")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"q=synthetic"))
    page.locator("#list-sort").select_option("-budget")
    page.wait_for_url(re.compile(r"sort=-budget"))
    page.locator("table.projects[aria-busy=false]").wait_for()
    first_page = _codes(page)
    pager = page.get_by_role("navigation", name="Pages")
    assert pager.get_by_role("link", name="First").count() == 0  # on the first page it leads nowhere
    pager.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"cursor="))
    page.locator(f'table.projects tr[data-code="{first_page[0]}"]').wait_for(state="detached")
    page.locator("table.projects[aria-busy=false]").wait_for()
    assert pager.get_by_role("link", name="First").count() == 1
    url, shown = page.url, _codes(page)
    assert "region=asia-oceania" in url and "sort=-budget" in url
    # What the API answers for the same question, page 2 of 25, largest budget first.
    api = api_json(page, "/api/v1/projects?region=asia-oceania&q=synthetic&sort=-budget&page=2&page_size=25")
    assert shown == [p["code"] for p in api] and shown
    page.reload()
    page.wait_for_selector("table.projects tbody tr[data-code]")
    assert page.url == url and _codes(page) == shown
    assert_api_fetched_once(page)
    expect(page.locator("#pf-region")).to_have_value("asia-oceania")  # once the regions are loaded
    expect(page.locator("#pf-q")).to_have_value("synthetic")
    expect(page.locator("#list-sort")).to_have_value("-budget")
    header = page.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "descending" and "Budget" in header.inner_text()
    # A bad filter is refused by the API and shown at its field.
    page.goto("/projects?year_from=1800")
    assert "1900" in page.locator("#pf-year_from-error").inner_text()
    assert_clean(page)


# -- editing ----------------------------------------------------------------------------------------------

def test_create_with_shares_summing_to_90_shows_the_error_at_the_shares_then_saves(people, pages):
    page = pages()
    sign_in(page, "eli", next_path="/projects")
    page.locator("main a[href='/projects/new']").click()
    page.locator("#code").fill("WEB-2004-001")
    page.locator("#title").fill("Border management training")
    page.locator("#region").select_option("europe")
    page.locator("#priority-irregular-migration").check()
    page.locator("#priority-harmonization").check()
    page.locator("#priority-share-irregular-migration").fill("60")
    page.locator("#priority-share-harmonization").fill("30")
    page.locator("#countries-input").fill("ZZ")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Create").click()
    error = page.locator("#priorities-error")
    assert error.inner_text() == "Shares must sum to 100; they sum to 90."
    share = page.locator("#priority-share-harmonization")
    assert share.get_attribute("aria-invalid") == "true"
    assert "priorities-error" in share.get_attribute("aria-describedby")
    # Every error at once: the unknown country too, each at its field and in the summary.
    assert "Unknown country code: 'ZZ'" in page.locator("#countries-error").inner_text()
    assert page.locator(".error-summary li").count() == 2
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.request.get("/api/v1/projects/WEB-2004-001").status == 404  # nothing written
    page.get_by_role("button", name="Remove ZZ").click()
    page.locator("#priority-share-irregular-migration").fill("70")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/projects/WEB-2004-001$"))
    shares = _table_rows(page, "[data-table=priorities]")
    assert [(r["key"], r["cells"][1]) for r in shares] == [("irregular-migration", "70.00 %"),
                                                          ("harmonization", "30.00 %")]
    # The saved project took the form's place in the history: Back is the list, not a blank form.
    page.go_back()
    page.wait_for_url(re.compile(r"/projects$"))
    assert_clean(page)


def test_an_edit_that_meets_a_412_is_shown_and_reapplied_without_losing_either_change(people, pages, client):
    client.post("/api/v1/projects", json={"code": "WEB-RACE", "title": "Original title", "region": "europe",
                                          "priorities": [{"code": "cooperation"}]})
    first, second = pages(), pages()
    for page in (first, second):
        sign_in(page, "eli", next_path="/projects/WEB-RACE/edit")
        page.locator("#title").wait_for()
    first.locator("#title").fill("Title changed by the first")
    second.locator("#acronym").fill("SECOND")
    second.locator("#status").select_option("implementation")
    first.get_by_role("button", name="Save changes").click()
    first.wait_for_url(re.compile(r"/projects/WEB-RACE$"))
    second.get_by_role("button", name="Save changes").click()
    conflict = second.get_by_test_id("conflict")
    conflict.wait_for()
    rows = {r.get_attribute("data-field"): r.inner_text() for r in conflict.locator("tbody tr").all()}
    assert set(rows) == {"title", "acronym", "status"}
    assert "Title changed by the first" in rows["title"] and "SECOND" in rows["acronym"]
    assert conflict.get_by_test_id("conflict-elsewhere").count() == 0  # their change is in the table
    # Nothing overwritten, the form kept.
    assert second.locator("#acronym").input_value() == "SECOND"
    assert api_json(second, "/api/v1/projects/WEB-RACE")["acronym"] is None
    second.get_by_role("button", name="Re-apply my changes to the new version").click()
    assert second.locator("#title").input_value() == "Title changed by the first"
    assert second.locator("#acronym").input_value() == "SECOND"
    second.get_by_role("button", name="Save changes").click()
    second.wait_for_url(re.compile(r"/projects/WEB-RACE$"))
    saved = api_json(second, "/api/v1/projects/WEB-RACE")
    assert (saved["title"], saved["acronym"], saved["status"], saved["version"]) == (
        "Title changed by the first", "SECOND", "implementation", 3)
    updates = [e for e in api_json(second, "/api/v1/projects/WEB-RACE/history") if e["action"] == "update"]
    assert sorted(tuple(e["changed"]) for e in updates) == [("acronym", "status"), ("title",)]
    assert {e["actor"] for e in updates} == {"user:eli (Eli Editor)"}
    history = second.locator("[data-table=history]").inner_text()
    assert "Eli Editor" in history and "Title changed by the first" in history
    for page in (first, second):
        assert_clean(page)


def test_a_412_from_a_colleagues_new_transaction_says_the_change_is_elsewhere_and_reapplies(people, pages, client):
    client.post("/api/v1/projects", json={"code": "WEB-ELSE", "title": "Original title", "region": "europe",
                                          "priorities": [{"code": "cooperation"}]})
    page = pages()
    sign_in(page, "eli", next_path="/projects/WEB-ELSE/edit")
    page.locator("#title").wait_for()
    added = client.post("/api/v1/projects/WEB-ELSE/transactions", json={
        "reference": "T-1", "type": "expenditure", "date": "2004-01-31", "amount": "10.00", "currency": "USD"})
    assert added.status_code == 201  # the project's version moves with its records
    page.locator("#title").fill("My new title")
    page.get_by_role("button", name="Save changes").click()
    conflict = page.get_by_test_id("conflict")
    conflict.get_by_test_id("conflict-elsewhere").wait_for()
    assert [r.get_attribute("data-field") for r in conflict.locator("tbody tr").all()] == ["title"]
    page.get_by_role("button", name="Re-apply my changes to the new version").click()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/projects/WEB-ELSE$"))
    saved = api_json(page, "/api/v1/projects/WEB-ELSE")
    assert saved["title"] == "My new title"
    assert [t["reference"] for t in api_json(page, "/api/v1/projects/WEB-ELSE/transactions")] == ["T-1"]
    assert_clean(page)


def test_unsaved_changes_warn_before_leaving_and_deletes_ask_first(people, pages, client):
    client.post("/api/v1/projects", json={"code": "WEB-DEL", "title": "To delete", "region": "americas",
                                          "priorities": [{"code": "cooperation"}]})
    client.post("/api/v1/projects/WEB-DEL/transactions", json={
        "reference": "T-1", "type": "expenditure", "date": "2004-01-31", "amount": "10.00", "currency": "USD"})
    page = pages()
    sign_in(page, "eli", next_path="/projects/WEB-DEL/edit")
    page.locator("#title").fill("An unsaved title")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.get_by_role("link", name="Projects", exact=True).click()
    assert dialogs == ["You have unsaved changes. Leave this page and lose them?"]
    assert page.url.endswith("/projects/WEB-DEL/edit") and page.locator("#title").input_value() == "An unsaved title"
    page.remove_listener("dialog", dismiss)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url(re.compile(r"/projects/WEB-DEL$"))
    # Delete asks first: cancelled, nothing happens; confirmed, the transaction is gone.
    page.get_by_role("button", name="Delete T-1").click()
    page.locator("dialog.confirm").get_by_role("button", name="Cancel").click()
    assert page.locator("[data-table=transactions]").inner_text().count("T-1") == 1
    page.get_by_role("button", name="Delete T-1").click()
    page.locator("dialog.confirm").get_by_role("button", name="Delete").click()
    # (wait_for_function would evaluate a string: the page's policy refuses eval, as it should.)
    page.locator("[data-table=transactions] tr[data-id]").wait_for(state="detached")
    assert api_json(page, "/api/v1/projects/WEB-DEL/transactions") == []
    page.get_by_role("button", name="Delete project").click()
    page.locator("dialog.confirm").get_by_role("button", name="Delete project").click()
    page.wait_for_url(re.compile(r"/projects$"))
    assert page.request.get("/api/v1/projects/WEB-DEL").status == 404
    assert_clean(page)


# -- roles and CSRF ---------------------------------------------------------------------------------------

def test_a_viewer_sees_no_edit_controls_and_the_api_refuses_the_viewers_write(people, pages, client):
    client.post("/api/v1/projects", json={"code": "WEB-VIEW", "title": "Seen only", "region": "europe",
                                          "priorities": [{"code": "cooperation"}]})
    page = pages()
    sign_in(page, "vic", next_path="/projects/WEB-VIEW")
    page.locator("#overview").wait_for()
    main = page.locator("main")
    for name in ("Edit project", "Delete project", "Add a budget line", "Add a transaction"):
        assert main.get_by_role("link", name=name).count() == 0
        assert main.get_by_role("button", name=name).count() == 0
    page.get_by_role("link", name="Projects", exact=True).click()
    page.wait_for_selector("table.projects tbody tr[data-code]")
    assert page.get_by_role("link", name="New project").count() == 0
    assert page.get_by_role("link", name="Import").count() == 0
    page.goto("/projects/WEB-VIEW/edit")
    assert "may not make this change" in page.locator("main").inner_text()
    answer = page.request.patch("/api/v1/projects/WEB-VIEW", data={"title": "Changed by a viewer"}, headers={
        "X-CSRF-Token": csrf(page), "If-Match": page.request.get("/api/v1/projects/WEB-VIEW").headers["etag"]})
    assert answer.status == 403
    assert client.get("/api/v1/projects/WEB-VIEW").json["title"] == "Seen only"
    assert_clean(page)


class _Attacker(BaseHTTPRequestHandler):
    """Another site: its page posts a form to the app, where the browser holds a session cookie."""
    target = ""

    def do_GET(self):  # noqa: N802
        body = (f'<!doctype html><form id="f" method="post" enctype="text/plain" action="{self.target}">'
                '<input name=\'{"code": "CSRF-1", "title": "x", "region": "europe", "priorities": '
                '[{"code": "cooperation"}], "pad": "\' value=\'"}\'></form>'
                "<script>document.getElementById('f').submit()</script>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_cross_site_post_with_the_session_cookie_and_no_csrf_token_is_refused(people, pages, base_url, client):
    page = pages()
    sign_in(page, "eli")
    # The cookie alone, no token: refused, as a script on the page would be.
    answer = page.request.post("/api/v1/projects", data={"code": "CSRF-0", "title": "x", "region": "europe",
                                                         "priorities": [{"code": "cooperation"}]})
    assert answer.status in (400, 403), answer.status
    assert answer.headers["content-type"].startswith("application/problem+json")
    # A form on another site (another port of the same host: the same "site", so SameSite=Lax sends the
    # cookie): refused too.
    _Attacker.target = f"{base_url}/api/v1/projects"
    attacker = ThreadingHTTPServer(("127.0.0.1", free_port()), _Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        with page.expect_response(f"{base_url}/api/v1/projects") as posted:
            page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        assert posted.value.status in (400, 403, 415), posted.value.status
    finally:
        attacker.shutdown()
    for code in ("CSRF-0", "CSRF-1"):
        assert client.get(f"/api/v1/projects/{code}").status_code == 404
    # With the token the same write goes through: it was the token that was missing.
    ok = page.request.post("/api/v1/projects", headers={"X-CSRF-Token": csrf(page)}, data={
        "code": "CSRF-2", "title": "x", "region": "europe", "priorities": [{"code": "cooperation"}]})
    assert ok.status == 201


# -- import -----------------------------------------------------------------------------------------------

def test_an_import_with_bad_cells_shows_each_error_at_its_row_and_cell(people, pages, tmp_path):
    bad = tmp_path / "projects.csv"
    bad.write_text("code,title,region,priorities\nWEB-IMP-1,Good row,europe,cooperation\n"
                   "WEB-IMP-2,,europe,harmonization:90\nWEB-IMP-3,Third,mars,cooperation\n")
    page = pages()
    sign_in(page, "ada", next_path="/import")
    page.locator("#import-file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    grid = page.locator("[data-table=import-errors]")
    grid.wait_for()
    cell = grid.locator('tr[data-row="3"] td[data-column="priorities"]')
    assert cell.inner_text() == "Shares must sum to 100; they sum to 90."
    assert "Missing data" in grid.locator('tr[data-row="3"] td[data-column="title"]').inner_text()
    assert "Unknown region code: 'mars'" in grid.locator('tr[data-row="4"] td[data-column="region"]').inner_text()
    assert page.request.get("/api/v1/projects/WEB-IMP-1").status == 404  # all or nothing
    bad.write_text("code,title,region,priorities\nWEB-IMP-1,Good row,europe,cooperation\n"
                   "WEB-IMP-2,Second,europe,harmonization\nWEB-IMP-3,Third,americas,cooperation\n")
    page.locator("#import-file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    assert page.get_by_test_id("import-result").inner_text() == "Imported: 3 created, 0 updated, 0 unchanged."
    assert_clean(page)


def test_two_donors_lines_for_the_same_year_are_saved_from_the_form_and_shown_by_donor(demo, pages):
    page = pages()
    sign_in(page, "eli", next_path="/projects/DEMO-000001")
    for donor, amount in (("DEMO-DONOR-01", "1000.00"), ("DEMO-DONOR-02", "2500.50")):
        page.get_by_role("link", name="Add a budget line").click()
        page.locator("#period_start").fill("2012-01-01")
        page.locator("#period_end").fill("2012-12-31")
        page.locator("#amount").fill(amount)
        page.locator("#donor").select_option(donor)
        if donor == "DEMO-DONOR-02":
            assert axe_serious(page) == []
        page.get_by_role("button", name="Create").click()
        page.wait_for_url(re.compile(r"/projects/DEMO-000001#budget-lines$"))
    lines = api_json(page, "/api/v1/projects/DEMO-000001/budget-lines?page_size=200")
    added = [(line["donor"], line["usd_amount"], line["current"])
             for line in lines if line["period_start"] == "2012-01-01"]
    assert added == [("DEMO-DONOR-01", "1000.00", True), ("DEMO-DONOR-02", "2500.50", True)]
    page.locator("[data-table=budget-lines]").wait_for()
    for line in lines:
        if line["period_start"] == "2012-01-01":
            cell = page.locator(f'[data-table=budget-lines] tr[data-id="{line["id"]}"] [data-donor]')
            assert cell.get_attribute("data-donor") == line["donor"]
            assert f"({line['donor']})" in cell.inner_text()
    # Budget against spent by donor: the finance view's by_donor and total, to the cent.
    finance = api_json(page, "/api/v1/projects/DEMO-000001/finance")
    shown = _table_rows(page, "[data-table=by-donor]")
    expected = finance["by_donor"] + [finance["total"]]
    assert [r["key"] for r in shown] == [d["organisation"] or "" for d in finance["by_donor"]] + ["total"]
    for row, want in zip(shown, expected, strict=True):
        assert [figure(c) for c in row["cells"][1:]] == [want[m] for m in (
            "budget_usd", "original_budget_usd", "incoming_funds_usd", "expenditure_usd", "remaining_usd",
            "spent_percent")]
    assert {"DEMO-DONOR-01", "DEMO-DONOR-02"} <= {r["key"] for r in shown}
    assert axe_serious(page) == []
    # A second original line of the same donor and period is refused by the server: its message at its field.
    page.get_by_role("link", name="Add a budget line").click()
    page.locator("#period_start").fill("2012-01-01")
    page.locator("#period_end").fill("2012-12-31")
    page.locator("#amount").fill("1.00")
    page.locator("#donor").select_option("DEMO-DONOR-02")
    page.get_by_role("button", name="Create").click()
    error = page.locator("#period_start-error")
    error.wait_for()
    assert "overlaps original line" in error.inner_text() and "same donor" in error.inner_text()
    assert page.locator("#period_start").get_attribute("aria-invalid") == "true"
    assert page.locator("#donor").input_value() == "DEMO-DONOR-02"  # the form keeps what was typed
    assert_clean(page)


def _workbook(path, rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def test_an_xlsx_import_with_one_bad_cell_is_refused_fixed_imported_and_its_export_imports_unchanged(
        people, pages, tmp_path):
    header = ["code", "title", "region", "priorities", "countries"]
    book = tmp_path / "portfolio.xlsx"
    _workbook(book, [header, ["WEB-X-1", "First", "europe", "cooperation", "AL"],
                     ["WEB-X-2", "Second", "europe", "harmonization:60;cooperation:30", "MK"]])
    page = pages()
    sign_in(page, "ada", next_path="/import")
    page.locator("#mode-upsert").check()
    page.locator("#import-file").set_input_files(str(book))
    page.get_by_role("button", name="Import").click()
    grid = page.locator("[data-table=import-errors]")
    grid.wait_for()
    assert grid.locator("thead").inner_text().split("\t")[-1].strip() == "priorities (D)"
    assert grid.locator('tr[data-row="3"] td[data-column="priorities"]').inner_text() == (
        "Shares must sum to 100; they sum to 90.")
    assert page.request.get("/api/v1/projects/WEB-X-1").status == 404  # refused whole
    _workbook(book, [header, ["WEB-X-1", "First", "europe", "cooperation", "AL"],
                     ["WEB-X-2", "Second", "europe", "harmonization:70;cooperation:30", "MK"]])
    page.locator("#import-file").set_input_files(str(book))
    page.get_by_role("button", name="Import").click()
    assert page.get_by_test_id("import-result").inner_text() == "Imported: 2 created, 0 updated, 0 unchanged."
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX", exact=True).click()
    exported = tmp_path / "export.xlsx"
    download.value.save_as(exported)
    page.locator("#import-file").set_input_files(str(exported))
    page.get_by_role("button", name="Import").click()
    page.get_by_test_id("import-result").filter(has_text="unchanged").wait_for()
    assert page.get_by_test_id("import-result").inner_text() == "Imported: 0 created, 0 updated, 2 unchanged."
    assert_clean(page)


def test_an_admin_loads_exchange_rates_on_the_rates_page(people, pages, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text("currency,date,usd_per_unit,source\nEUR,2004-01-01,1.2597,ECB (example)\nEUR,2004-02-30,1.2,x\n")
    page = pages()
    sign_in(page, "ada", next_path="/exchange-rates")
    page.locator("#rates-file").set_input_files(str(rates))
    page.get_by_role("button", name="Load rates").click()
    assert "Row 3" in page.locator(".notice-error").inner_text()
    rates.write_text("currency,date,usd_per_unit,source\nEUR,2004-01-01,1.2597,ECB (example)\n")
    page.locator("#rates-file").set_input_files(str(rates))
    page.get_by_role("button", name="Load rates").click()
    assert page.get_by_test_id("rates-result").inner_text() == "Rates: 1 created, 0 updated, 0 unchanged."
    page.locator("[data-table=rates]").get_by_role("cell", name="1.2597000000").wait_for()
    viewer = pages()
    sign_in(viewer, "vic", next_path="/exchange-rates")
    viewer.locator("[data-table=rates]").wait_for()
    assert viewer.locator("#rates-file").count() == 0
    assert_clean(page)


def test_an_admin_creates_an_account_and_the_person_signs_in_with_it(people, pages):
    page = pages()
    sign_in(page, "ada", next_path="/admin/users")
    page.locator("#user-username").fill("new.person")
    page.locator("#user-name").fill("New Person")
    page.locator("#user-role").select_option("viewer")
    page.locator("#user-password").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "12" in page.locator("#user-password-error").inner_text()  # the server's rule, at its field
    page.locator("#user-password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.locator('[data-table=users] tr[data-username="new.person"]').wait_for()
    newcomer = pages()
    sign_in(newcomer, "new.person")
    assert "New Person (viewer)" in newcomer.locator("header").inner_text()
    assert newcomer.get_by_role("link", name="People").count() == 0
    page.get_by_role("button", name="Disable new.person").click()
    page.locator("dialog.confirm").get_by_role("button", name="Confirm").click()
    page.locator('[data-table=users] tr[data-username="new.person"]').get_by_role("button", name="Enable").wait_for()
    assert newcomer.request.get("/api/v1/session").status == 401  # disabling ended the session
    assert_clean(page)


def test_an_admin_creates_a_token_shown_once_and_revokes_it(people, pages):
    page = pages()
    sign_in(page, "ada", next_path="/admin/tokens")
    page.locator("#token-name").fill("nightly-import")
    page.locator("#token-role").select_option("integrator")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token-value").input_value()
    assert token.startswith("tcm_")
    assert page.request.get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"}).status == 200
    row = page.locator('[data-table=tokens] tr[data-name="nightly-import"]')
    assert token not in row.inner_text()  # only its first characters are shown again
    page.get_by_role("button", name="Revoke token nightly-import").click()
    page.locator("dialog.confirm").get_by_role("button", name="Revoke").click()
    row.get_by_text("revoked").wait_for()
    page.wait_for_timeout(1100)  # a revoked token is refused by every worker within a second
    assert page.request.get("/api/v1/regions", headers={"Authorization": f"Bearer {token}"}).status == 401
    assert_clean(page)
