"""The browser tests' fixtures (a pytest plugin: tests/conftest.py loads it), shared by the modules that drive
the web app (tests/test_web_browser.py, tests/test_web_accessibility.py). Two modules, so that pytest-xdist's
--dist loadfile runs them on two workers side by side: one module held every browser test and set the
suite's wall time on its own."""
import pytest
from browser import PASSWORD, WIDTHS, launch, new_page
from live import LiveServer

PEOPLE = {"ada": ("admin", "Ada Admin"), "eli": ("editor", "Eli Editor"), "vic": ("viewer", "Vic Viewer"),
          "fay": ("finance", "Fay Finance")}


@pytest.fixture(scope="module")
def server(app):
    live = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=2)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def base_url(server):
    return f"http://127.0.0.1:{server.port}"


def _add_people():
    from portfolio.extensions import db
    from portfolio.services import users

    for username, (role, name) in PEOPLE.items():
        users.create(username, role, PASSWORD, name, actor="tests")
    db.session.commit()


@pytest.fixture
def people(in_app, stored_state):
    stored_state("web_people", lambda: in_app(_add_people))


@pytest.fixture
def demo(annex, runner, in_app, stored_state):
    """The demo portfolio (126 projects, USD 67,000,000.00) and the people."""
    def build():
        result = runner.invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        in_app(_add_people)

    stored_state("web_demo", build)


@pytest.fixture
def pages(browser, base_url):
    opened = []

    def open_page(width=WIDTHS["desktop"], **options):
        page = new_page(browser, base_url, width, **options)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.context.close()
