"""GET /api/v1/projects: filters, text search, sorting and pagination together."""
from urllib.parse import parse_qs, urlparse

import pytest
from helpers import add_line, create_project


def codes(response):
    assert response.status_code == 200, response.json
    return [p["code"] for p in response.json]


def test_projects_list_seeded_americas_returns_the_five_annex_projects(client, annex):
    response = client.get("/api/v1/projects?region=americas")
    assert codes(response) == ["TCM-ANNEX-08", "TCM-ANNEX-09", "TCM-ANNEX-10", "TCM-ANNEX-11", "TCM-ANNEX-12"]
    assert response.headers["X-Total-Count"] == "5"


def test_projects_list_q_passport_finds_the_ecuadorian_passport_project(client, annex):
    response = client.get("/api/v1/projects?q=passport")
    assert [p["title"] for p in response.json] == [
        "Modernization of the Ecuadorian Passport and Improvement of the National Issuance System"]


def test_projects_list_q_matches_acronym_and_description_case_insensitively(client, annex):
    assert codes(client.get("/api/v1/projects?q=siemca")) == ["TCM-ANNEX-12"]
    assert codes(client.get("/api/v1/projects?q=HAITIAN")) == ["TCM-ANNEX-08"]


def test_projects_list_q_treats_wildcards_literally(client):
    create_project(client, "P-1", title="Rate 100% done")
    create_project(client, "P-2", title="Rate 1000 done")
    assert codes(client.get("/api/v1/projects?q=100%25")) == ["P-1"]
    assert codes(client.get("/api/v1/projects?q=_")) == []


@pytest.mark.parametrize("query, expected", [
    ("priority=migrants-rights", ["TCM-ANNEX-04", "TCM-ANNEX-08", "TCM-ANNEX-14"]),
    ("country=ec", ["TCM-ANNEX-10", "TCM-ANNEX-11"]),
    ("rcp=puebla-process", ["TCM-ANNEX-08", "TCM-ANNEX-12"]),  # stated or derived (DO is a member)
    ("rcp=puebla-process&rcp_link=stated", ["TCM-ANNEX-12"]),
    ("rcp=puebla-process&rcp_link=derived", ["TCM-ANNEX-08", "TCM-ANNEX-12"]),
    ("activity_type=economic-development", ["TCM-ANNEX-01", "TCM-ANNEX-15"]),
    ("status=pipeline", ["TCM-ANNEX-04"]),
    ("post_emergency=true", ["TCM-ANNEX-04"]),
    ("synthetic=true", []),
    ("region=europe&priority=harmonization", ["TCM-ANNEX-13", "TCM-ANNEX-14"]),
])
def test_projects_list_filters(client, annex, query, expected):
    assert codes(client.get(f"/api/v1/projects?{query}")) == expected


def test_projects_list_year_range_keeps_projects_active_in_it(client):
    create_project(client, "EARLY", start_date="1999-01-01", end_date="2001-12-31")
    create_project(client, "SPAN", start_date="2000-06-01", end_date="2005-05-31")
    create_project(client, "OPEN", start_date="2004-01-01")
    create_project(client, "UNDATED")
    assert codes(client.get("/api/v1/projects?year_from=2002&year_to=2003")) == ["SPAN"]
    assert codes(client.get("/api/v1/projects?year_from=2004")) == ["OPEN", "SPAN"]
    assert codes(client.get("/api/v1/projects?year_to=1999")) == ["EARLY"]


def test_projects_list_bad_filter_values_are_422_naming_the_parameter(client):
    response = client.get("/api/v1/projects?status=ongoing&year_from=abc&sort=colour")
    assert response.status_code == 422
    assert {(e["location"], e["pointer"]) for e in response.json["errors"]} == {
        ("query", "/status"), ("query", "/year_from"), ("query", "/sort")}


def test_projects_list_sort_by_budget_puts_unknown_last_both_ways(client):
    for code, amount in (("A", "300.00"), ("B", None), ("C", "100.00"), ("D", "200.00")):
        create_project(client, code)
        if amount:
            add_line(client, code, amount=amount)
    assert codes(client.get("/api/v1/projects?sort=budget")) == ["C", "D", "A", "B"]
    assert codes(client.get("/api/v1/projects?sort=-budget")) == ["A", "D", "C", "B"]


def test_projects_list_sort_ties_are_broken_by_id_so_pages_are_stable(client):
    for i in range(7):
        create_project(client, f"P-{i}", title="Same title")
    first = codes(client.get("/api/v1/projects?sort=title&page=1&page_size=3"))
    second = codes(client.get("/api/v1/projects?sort=title&page=2&page_size=3"))
    third = codes(client.get("/api/v1/projects?sort=title&page=3&page_size=3"))
    assert first + second + third == [f"P-{i}" for i in range(7)]
    descending = codes(client.get("/api/v1/projects?sort=-title&page_size=10"))
    assert descending == [f"P-{i}" for i in reversed(range(7))]


def test_projects_list_filter_with_pagination_reports_total_and_links(client, annex):
    response = client.get("/api/v1/projects?region=americas&sort=-code&page=2&page_size=2")
    assert codes(response) == ["TCM-ANNEX-10", "TCM-ANNEX-09"]
    assert response.headers["X-Total-Count"] == "5"
    links = {part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
             for part in response.headers["Link"].split(", ")}
    assert set(links) == {"first", "last", "prev", "next"}
    next_query = parse_qs(urlparse(links["next"]).query)
    assert next_query["page"] == ["3"] and next_query["region"] == ["americas"] and next_query["sort"] == ["-code"]
    assert parse_qs(urlparse(links["last"]).query)["page"] == ["3"]
    assert codes(client.get(links["next"])) == ["TCM-ANNEX-08"]


def test_projects_list_page_size_is_capped(client):
    response = client.get("/api/v1/projects?page_size=201")
    assert response.status_code == 422
    assert client.get("/api/v1/projects?page_size=200").status_code == 200


def test_projects_list_refuses_unknown_query_parameters_naming_them(client, annex):
    response = client.get("/api/v1/projects?utm_source=mail&region=europe")
    assert response.status_code == 422
    assert [(e["location"], e["pointer"]) for e in response.json["errors"]] == [("query", "/utm_source")]


def test_projects_list_absurd_page_is_422_not_500(client):
    response = client.get("/api/v1/projects?page=692357365451407744&page_size=96")
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "/page"
    assert client.get("/api/v1/projects/X/history?page=692357365451407744").status_code == 422
