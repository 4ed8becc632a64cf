"""Keyset pagination gives exactly the offset order, forwards and backwards, NULLs included."""
import pytest
from helpers import add_line, create_project


def _links(response):
    out = {}
    for part in response.headers["Link"].split(", "):
        url, rel = part.split(">; rel=")
        out[rel.strip('"')] = url.lstrip("<")
    return out


@pytest.fixture
def projects(client, stored_state):
    budgets = ["5.00", None, "1.00", "5.00", None, "3.00", "2.00", None, "5.00", "4.00", "1.00"]
    starts = ["2003-01-01", None, "2001-06-01", "2003-01-01", "2002-02-02", None, "2001-06-01", "2004-04-04", None,
              "2000-01-01", "2003-01-01"]

    def build():
        for i, (budget, start) in enumerate(zip(budgets, starts)):
            create_project(client, f"K-{i:02d}", title=f"Title {i % 4}", start_date=start)
            if budget:
                add_line(client, f"K-{i:02d}", amount=budget)

    stored_state("keyset-projects", build)  # built by the first test, restored for the others


SORTS = ["title", "-title", "code", "-code", "budget", "-budget", "start_date", "-start_date", "updated_at",
         "-updated_at"]


# With a word search (here one every project matches), the matching projects are sorted apart from the
# table (queries._sorted_source): the order must be the table's.
@pytest.mark.parametrize("search", ["", "&q=title"])
@pytest.mark.parametrize("sort", SORTS)
def test_keyset_walk_forward_and_back_matches_offset_order(client, projects, sort, search):
    expected = [p["code"] for p in client.get(f"/api/v1/projects?sort={sort}&page_size=200").json]
    assert [p["code"] for p in client.get(f"/api/v1/projects?sort={sort}&page_size=200{search}").json] == expected
    seen, pages = [], []
    response = client.get(f"/api/v1/projects?sort={sort}&cursor=first&page_size=3{search}")
    for _ in range(10):  # 11 projects in pages of 3: a cycle must fail, not hang
        assert response.status_code == 200, response.json
        assert response.headers["X-Total-Count"] == "11"
        page = [p["code"] for p in response.json]
        pages.append(page)
        seen += page
        links = _links(response)
        if "next" not in links:
            break
        response = client.get(links["next"])
    else:
        pytest.fail("the next links never ended")
    assert seen == expected
    # And back again from the last page through the prev links.
    back = []
    response = client.get(f"/api/v1/projects?sort={sort}&cursor=last&page_size=3{search}")
    assert [p["code"] for p in response.json] == expected[-3:]
    for _ in range(10):
        back = [p["code"] for p in response.json] + back
        links = _links(response)
        if "prev" not in links:
            break
        response = client.get(links["prev"])
    else:
        pytest.fail("the prev links never ended")
    assert back[-len(expected):] == expected


@pytest.mark.parametrize("sort", SORTS)
def test_a_word_search_pages_its_matches_in_the_table_order(client, projects, sort):
    """q=3 matches "Title 3" (K-03, K-07): by cursor and by offset, one at a time, in the order they have
    in the whole list."""
    everything = [p["code"] for p in client.get(f"/api/v1/projects?sort={sort}&page_size=200").json]
    expected = [code for code in everything if code in {"K-03", "K-07"}]
    by_offset = [client.get(f"/api/v1/projects?sort={sort}&q=3&page_size=1&page={n}").json for n in (1, 2, 3)]
    assert [[p["code"] for p in page] for page in by_offset] == [[expected[0]], [expected[1]], []]
    response = client.get(f"/api/v1/projects?sort={sort}&q=3&cursor=first&page_size=1")
    first = [p["code"] for p in response.json]
    second = [p["code"] for p in client.get(_links(response)["next"]).json]
    assert first + second == expected and response.headers["X-Total-Count"] == "2"


def test_keyset_with_filters_and_first_page_has_no_prev(client, projects):
    response = client.get("/api/v1/projects?cursor=first&page_size=2&q=title 1&sort=code")
    assert [p["code"] for p in response.json] == ["K-01", "K-05"]
    assert set(_links(response)) == {"first", "last", "next"}


def test_keyset_bad_cursor_or_changed_sort_is_422(client, projects):
    response = client.get("/api/v1/projects?cursor=garbage")
    assert response.status_code == 422 and response.json["errors"][0]["pointer"] == "/cursor"
    first = client.get("/api/v1/projects?sort=title&cursor=first&page_size=2")
    next_cursor = _links(first)["next"].split("cursor=")[1].split("&")[0]
    assert client.get(f"/api/v1/projects?sort=-title&cursor={next_cursor}").status_code == 422
