"""The web app's shell, assets and catalogue (no browser: tests/test_web_browser.py drives one).

The vendored libraries are exactly the npm packages pinned in package-lock.json, each with its licence; every
string key the scripts use is in the catalogue; every page is the shell under a strict Content-Security-Policy."""
import json
import re
from pathlib import Path

import pytest

from portfolio.web import CONTENT_SECURITY_POLICY, PAGES, vendor

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "portfolio" / "web" / "static"
SCRIPTS = sorted((STATIC / "js").rglob("*.js"))


def test_vendored_files_are_the_locked_packages_with_their_licences():
    versions = vendor.locked_versions(ROOT)
    for name, files in vendor.FILES.items():
        folder = STATIC / "vendor" / name
        assert (folder / "VERSION").read_text().strip() == versions[name], name
        assert any(re.match(r"LICEN[CS]E", Path(f).name) for f in files), f"{name} is vendored without a licence"
        shipped = {p.name for p in folder.iterdir()} - {"VERSION"}
        assert shipped == {Path(f).name for f in files}, name
        installed = ROOT / "node_modules" / name
        if installed.is_dir():  # after `npm ci`: byte for byte what npm installed
            for file in files:
                assert (folder / Path(file).name).read_bytes() == (installed / file).read_bytes(), f"{name}/{file}"


def test_npm_dependencies_are_pinned_exactly():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, spec in package["dependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", spec), f"{name} {spec}: pin an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == spec


def test_every_catalogue_key_the_scripts_use_exists():
    catalogue = json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))
    used = set()
    for script in SCRIPTS:
        used |= set(re.findall(r"\btn?\(\"([A-Za-z0-9_.\-]+)\"", script.read_text(encoding="utf-8")))
    missing = {key for key in used if key not in catalogue and f"{key}.one" not in catalogue}
    assert missing == set()


def test_scripts_use_no_eval_and_no_inline_markup_styles():
    for script in SCRIPTS:
        source = script.read_text(encoding="utf-8")
        assert "eval(" not in source and "new Function" not in source, script.name
        assert "innerHTML" not in source, f"{script.name}: render through Preact (escaped), not innerHTML"


@pytest.mark.parametrize("path", ["/", "/sign-in", "/projects", "/projects/new", "/projects/TCM-1/edit",
                                  "/projects/TCM-1/budget-lines/3/edit", "/import", "/rcps", "/rcps/igc",
                                  "/organisations", "/organisations/IOM", "/vocabularies", "/exchange-rates",
                                  "/admin/tokens", "/admin/users"])
def test_every_page_is_the_shell_under_a_strict_policy(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    page = response.get_data(as_text=True)
    assert '<div id="app">' in page
    # No inline script: every <script> has a src.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page))
    assert "style=" not in page
    # The app's own icon, so a browser's request for /favicon.ico (a 404 on every visit) is not made.
    (icon,) = re.findall(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', page)
    assert anonymous.get(icon).status_code == 200


def test_a_path_that_is_no_page_stays_a_404(anonymous):
    assert anonymous.get("/nothing-here").status_code == 404
    assert len(PAGES) == len(set(PAGES))


def test_assets_are_served_and_revalidated(anonymous):
    response = anonymous.get("/assets/js/main.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers.get("ETag")
    assert anonymous.get("/assets/vendor/echarts/echarts.common.min.js").status_code == 200
    assert anonymous.get("/assets/i18n/en.json").get_json()["app.name"] == "TCM Portfolio"


def test_text_assets_are_gzipped_for_a_browser_that_takes_it_and_vendored_ones_are_immutable(anonymous):
    import gzip

    plain = anonymous.get("/assets/js/main.js")
    assert "Content-Encoding" not in plain.headers
    packed = anonymous.get("/assets/js/main.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["Cache-Control"] == "no-cache"  # the app's own modules: revalidated
    again = anonymous.get("/assets/js/main.js",
                          headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    version = (STATIC / "vendor" / "echarts" / "VERSION").read_text().strip()
    library = anonymous.get(f"/assets/vendor/echarts/echarts.common.min.js?v={version}",
                            headers={"Accept-Encoding": "gzip"})
    assert library.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(library.data) < (STATIC / "vendor" / "echarts" / "echarts.common.min.js").stat().st_size / 2
    stale = anonymous.get("/assets/vendor/echarts/echarts.common.min.js?v=0.0.1")
    assert stale.headers["Cache-Control"] == "no-cache"


def test_the_shell_preloads_every_module_and_names_vendored_files_with_their_version(anonymous):
    page = anonymous.get("/").get_data(as_text=True)
    for script in SCRIPTS:
        assert f'<link rel="modulepreload" href="/assets/{script.relative_to(STATIC).as_posix()}">' in page
    assert re.search(r'/assets/vendor/preact/preact\.min\.umd\.js\?v=\d+\.\d+\.\d+"', page)


def test_the_preloaded_filters_are_the_scripts_filters_in_their_order():
    from portfolio.web import AGGREGATE_FILTERS, DASHBOARD_FILTERS, PROJECT_FILTERS

    source = (STATIC / "js" / "filters.js").read_text(encoding="utf-8")
    listed = re.search(r"export const PROJECT_FILTERS = \[([^\]]*)\]", source).group(1)
    assert re.findall(r'"([a-z_]+)"', listed) == PROJECT_FILTERS
    assert [*PROJECT_FILTERS, "budget_status"] == AGGREGATE_FILTERS
    assert 'AGGREGATE_FILTERS = [...PROJECT_FILTERS, "budget_status"]' in source
    assert [*AGGREGATE_FILTERS, "funder"] == DASHBOARD_FILTERS
    assert 'DASHBOARD_FILTERS = [...AGGREGATE_FILTERS, "funder"]' in source


def test_a_pages_preloads_are_the_urls_its_scripts_fetch(anonymous):
    page = anonymous.get("/projects?q=border+post*&region=europe&junk=1").get_data(as_text=True)
    assert '<link rel="preload" as="fetch" crossorigin href="/api/v1/projects?q=border+post*&amp;region=europe&amp;' \
           'page_size=25&amp;page=1">' in page
    page = anonymous.get("/?year_to=2004&region=americas").get_data(as_text=True)
    assert 'href="/api/v1/aggregates/donor?region=americas&amp;year_to=2004"' in page
    assert 'href="/api/v1/portfolio/summary?region=americas&amp;year_to=2004"' in page
    # A funder is a money filter: the aggregates take it, the summary (not asked for then) would not.
    page = anonymous.get("/?funder=EC&region=americas").get_data(as_text=True)
    assert 'href="/api/v1/aggregates/donor?region=americas&amp;funder=EC"' in page
    assert "/portfolio/summary" not in page
    # The tables below the charts are fetched once the charts' answers are in, so they are not preloaded.
    assert "/aggregates/donor/region" not in page and "/aggregates/region-priority" not in page
    assert "preload" in anonymous.get("/rcps").get_data(as_text=True)  # the strings and the session, everywhere


def test_the_crossed_tables_overlap_hint_names_the_dimension_that_overlaps():
    """rows_additive is false when the columns' dimension overlaps (an RCP column holds its projects' whole
    figures, so a row's cells add up to more than the row): the hint said "{rows} rows overlap", naming the
    additive dimension (region rows do not overlap)."""
    catalogue = json.loads((STATIC / "i18n" / "en.json").read_text(encoding="utf-8"))
    script = (STATIC / "js" / "pages" / "dashboard.js").read_text(encoding="utf-8")
    assert 'data.rows_additive === false ? html`<p class="hint">${t("dashboard.crossed.rowsOverlap"' in script
    assert catalogue["dashboard.crossed.rowsOverlap"].startswith("{columns} columns overlap")
    assert catalogue["dashboard.crossed.columnsOverlap"].startswith("{rows} rows overlap")
