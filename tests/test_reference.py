"""Reference endpoints serve what the source documents say."""
import pycountry


def test_regions_list_returns_the_four_iom_regions(client):
    response = client.get("/api/v1/regions")
    assert response.status_code == 200
    assert [r["name"] for r in response.json] == [
        "Africa and the Middle East", "Asia and Oceania", "Americas", "Europe"]


def test_priorities_list_returns_the_five_priorities_of_section_13(client):
    response = client.get("/api/v1/priorities")
    assert response.status_code == 200
    assert len(response.json) == 5
    assert response.json[1]["name"] == "reduce irregular migration, smuggling and trafficking"


def test_activity_types_list_returns_the_eight_activities_of_section_14(client):
    response = client.get("/api/v1/activity-types")
    assert response.status_code == 200
    assert len(response.json) == 8
    assert all(item["source"].startswith("002 §14") for item in response.json)


def test_rcps_list_returns_13_major_and_5_other(client):
    rcps = client.get("/api/v1/rcps").json
    assert len(rcps) == 18
    assert sum(r["kind"] == "major" for r in rcps) == 13
    assert {r["code"] for r in rcps if r["kind"] == "other"} == {"cluster-process", "marri", "ocam", "pidc", "jcm"}


def test_rcps_members_match_the_totals_annex_a_states(client):
    for rcp in client.get("/api/v1/rcps?kind=major").json:
        counted = [m for m in rcp["members"] if m["role"] == "member" and m["in_stated_total"]]
        assert len(counted) == rcp["stated_member_count"], rcp["code"]
        assert str(rcp["stated_member_count"]) in rcp["stated_total"]
    expected = {"igc": 16, "budapest-process": 50, "soderkoping-process": 10, "puebla-process": 11, "midsa": 15,
                "bali-process": 40, "manila-process": 16, "apc": 32, "sacm": 12, "cis-conference": 12}
    stated = {r["code"]: r["stated_member_count"] for r in client.get("/api/v1/rcps").json}
    assert {code: stated[code] for code in expected} == expected


def test_rcp_cis_conference_keeps_interested_states_apart(client):
    cis = client.get("/api/v1/rcps/cis-conference").json
    roles = [m["role"] for m in cis["members"]]
    assert roles.count("member") == 12
    assert roles.count("interested") == 36 == cis["stated_interested_count"]
    assert "VA" in {m["country"] for m in cis["members"] if m["role"] == "interested"}  # the Holy See


def test_rcp_manila_process_lists_hong_kong_beside_its_total(client):
    manila = client.get("/api/v1/rcps/manila-process").json
    outside = [m for m in manila["members"] if not m["in_stated_total"]]
    assert [m["country"] for m in outside] == ["HK"]
    assert manila["stated_total"] == "Total: 16 + Hong Kong"


def test_rcp_members_renamed_countries_map_to_iso_codes(client):
    names = {}
    for rcp in client.get("/api/v1/rcps").json:
        for member in rcp["members"]:
            names[member["name_in_source"]] = member["country"]
    assert names["Swaziland"] == "SZ"
    assert names["Macedonia (FYR)"] == "MK"
    assert names["Surinam"] == "SR"
    assert names["DPR Korea"] == "KP"
    assert names["Serbia and Montenegro"] == "CSXX"
    assert names["Serbia & Montenegro"] == "CSXX"


def test_rcp_member_codes_are_iso_3166(client):
    for rcp in client.get("/api/v1/rcps").json:
        for member in rcp["members"]:
            code = member["country"]
            found = (pycountry.countries.get(alpha_2=code) if len(code) == 2
                     else pycountry.historic_countries.get(alpha_4=code))
            assert found is not None, (rcp["code"], code)


def test_rcps_filter_by_country_returns_only_rcps_with_that_member(client):
    codes = [r["code"] for r in client.get("/api/v1/rcps?country=al").json]
    assert codes == ["budapest-process", "marri"]


def test_rcp_detail_unknown_code_is_problem_json_404(client):
    response = client.get("/api/v1/rcps/no-such-process")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404
    assert "no-such-process" in response.json["detail"]


def test_unknown_route_is_problem_json_not_html(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_countries_list_comes_from_iso_3166_with_serbia_and_montenegro(client):
    countries = client.get("/api/v1/countries").json
    assert len(countries) == len(pycountry.countries) + 1
    historic = client.get("/api/v1/countries?historic=true").json
    assert [(c["code"], c["name"]) for c in historic] == [("CSXX", "Serbia and Montenegro")]


def test_healthz_reports_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready"}


def test_country_search_ignores_case_and_accents_on_every_engine(client):
    """SQLite's lower() folds ASCII only: q=åland found Åland Islands on PostgreSQL and nothing on SQLite."""
    for q in ("åland isl", "ÅLAND ISL", "aland isl", "AX", "ax"):
        assert [c["code"] for c in client.get("/api/v1/countries", query_string={"q": q}).json] == ["AX"], q
    assert {c["code"] for c in client.get("/api/v1/countries", query_string={"q": "cote d"}).json} == {"CI"}
    assert client.get("/api/v1/countries", query_string={"q": "%"}).json == []
