"""The programme managers' web app: one HTML shell for every page, its scripts and styles, served by this
Flask app. The pages speak only the public JSON API under /api/v1 (with fetch); nothing here reads the
database. See ARCHITECTURE.md, "The web app"."""
import gzip
import json
import threading
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, make_response, render_template, request

STATIC = Path(__file__).resolve().parent / "static"
CATALOGUE = STATIC / "i18n" / "en.json"

# Scripts and styles from this app only: no inline script, no eval, no inline style (ECharts' SVG renderer
# sets its styles through the CSSOM, which a policy does not govern, so 'unsafe-inline' is not needed).
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")
COMPRESSIBLE = {".js", ".css", ".json", ".svg", ".html", ".txt"}

blp = Blueprint("web", __name__, static_folder="static", static_url_path="/assets", template_folder="templates")

# The app's own routes (js/routes.js): each serves the shell, and the script draws the page. A path not
# listed stays a 404.
PAGES = ["/", "/sign-in", "/projects", "/projects/new", "/projects/<path:rest>", "/import", "/rcps",
         "/rcps/<path:rest>", "/organisations", "/organisations/<path:rest>", "/vocabularies", "/exchange-rates",
         "/admin/tokens", "/admin/users"]


@cache
def catalogue() -> dict:
    return json.loads(CATALOGUE.read_text(encoding="utf-8"))


@cache
def vendored_versions() -> dict[str, str]:
    return {folder.name: (folder / "VERSION").read_text().strip()
            for folder in (STATIC / "vendor").iterdir() if (folder / "VERSION").is_file()}


def vendor_url(name: str, file: str) -> str:
    """A vendored file's URL with its version: cached for a year, and a new version is a new URL."""
    return f"/assets/vendor/{name}/{file}?v={vendored_versions()[name]}"


@cache
def modules() -> list[str]:
    """Every module of the app, preloaded by the shell: fetched at once, not level by level of imports."""
    return sorted("/assets/" + path.relative_to(STATIC).as_posix() for path in (STATIC / "js").rglob("*.js"))


# What a page fetches first, preloaded by the shell (<link rel="preload" as="fetch">) so that those requests
# start while the scripts load instead of after: the same URLs, byte for byte, as the scripts build them
# (js/filters.js, js/pages/dashboard.js and projects.js; tests/test_web_browser.py checks each is fetched once).
PROJECT_FILTERS = ["q", "region", "priority", "status", "country", "donor", "year_from", "year_to", "rcp", "rcp_link",
                   "activity_type", "organisation", "organisation_role", "post_emergency", "synthetic", "budget_known",
                   "updated_since"]
AGGREGATE_FILTERS = [*PROJECT_FILTERS, "budget_status"]
# The money filter: the aggregates take it, the portfolio summary does not (with a funder the dashboard shows the
# funder's totals in place of the baseline, and does not ask for the summary).
DASHBOARD_FILTERS = [*AGGREGATE_FILTERS, "funder"]
# The charts' four answers; the two tables below them are fetched once these are in (js/pages/dashboard.js).
DASHBOARD_CALLS = ["/aggregates/region", "/aggregates/priority", "/aggregates/year", "/aggregates/donor"]


def _form_encode(text: str) -> str:
    """As the browser's URLSearchParams writes a value (application/x-www-form-urlencoded)."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char in "*-._"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def _query(pairs) -> str:
    text = "&".join(f"{_form_encode(name)}={_form_encode(value)}" for name, value in pairs if value)
    return f"?{text}" if text else ""


def preloads(path: str, args) -> list[str]:
    """(URL, as) of the fetches a page makes first."""
    urls = [("/assets/i18n/en.json", "fetch"), ("/api/v1/session", "fetch")]
    if path == "/":
        if not args.get("funder"):
            urls.append((f"/api/v1/portfolio/summary{_query((name, args.get(name)) for name in AGGREGATE_FILTERS)}",
                         "fetch"))
        query = _query((name, args.get(name)) for name in DASHBOARD_FILTERS)
        urls += [(f"/api/v1{call}{query}", "fetch") for call in DASHBOARD_CALLS]
    elif path == "/projects":
        pairs = [(name, args.get(name)) for name in PROJECT_FILTERS]
        sort = args.get("sort") or ""
        pairs += [("sort", sort), ("page_size", args.get("page_size") or "25")]
        if args.get("q") and not sort:
            pairs.append(("page", args.get("page") or "1"))
        else:
            pairs.append(("cursor", args.get("cursor") or "first"))
        urls.append((f"/api/v1/projects{_query(pairs)}", "fetch"))
    return urls


def shell(rest: str | None = None):
    response = make_response(render_template("web/index.html", strings=catalogue(), vendor_url=vendor_url,
                                             modules=modules(), preloads=preloads(request.path, request.args)))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


for _number, _rule in enumerate(PAGES):
    blp.add_url_rule(_rule, endpoint=f"page_{_number}", view_func=shell, methods=["GET"])


_gzipped: dict[tuple, bytes] = {}
_gzip_lock = threading.Lock()


def _compressed(path: Path) -> bytes:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _gzip_lock:
        if key not in _gzipped:
            if len(_gzipped) > 500:
                _gzipped.clear()
            _gzipped[key] = gzip.compress(path.read_bytes(), compresslevel=9, mtime=0)
        return _gzipped[key]


@blp.after_request
def _assets(response):
    """Assets: vendored files named with their version are immutable; the app's own are revalidated (ETag).
    Text is sent gzipped to a browser that takes it (compressed once per file version, kept in memory):
    the chart library is 716 kB as it is, 240 kB gzipped."""
    if request.endpoint != "web.static":
        return response
    filename = (request.view_args or {}).get("filename", "")
    name = filename.split("/")[1] if filename.startswith("vendor/") and filename.count("/") >= 2 else None
    if name and request.args.get("v") == vendored_versions().get(name):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    path = STATIC / filename
    if Path(filename).suffix in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
        if response.status_code == 200 and "gzip" in request.headers.get("Accept-Encoding", "") and path.is_file():
            response.direct_passthrough = False
            response.set_data(_compressed(path))
            response.headers["Content-Encoding"] = "gzip"
            etag, weak = response.get_etag()
            if etag:  # another representation of the same file: a weak validator, still matched by If-None-Match
                response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask, limiter) -> None:
    # A page load fetches a dozen assets: they do not count against the API's rate limit.
    limiter.exempt(blp)
    app.register_blueprint(blp)
