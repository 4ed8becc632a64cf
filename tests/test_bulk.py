"""Bulk create/upsert: all or nothing, every bad row named by its JSON pointer."""
import pytest
from helpers import add_line, create_project, data_events, project_body
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import Project


def items(n, prefix="B"):
    return [project_body(f"{prefix}-{i:04d}", countries=["AL", "BA"],
                         priorities=[{"code": "cooperation", "share": "60"}, {"code": "harmonization",
                                                                             "share": "40"}]) for i in range(n)]


def count(in_app, model=Project):
    return in_app(lambda: db.session.scalar(select(func.count()).select_from(model)))


def test_bulk_1000_with_last_row_invalid_writes_nothing_then_fixed_writes_all_then_upsert_updates(client, in_app):
    batch = items(1000)
    batch[999]["priorities"][0]["share"] = "70"  # 70 + 40 != 100
    batch[999]["countries"] = ["AL", "QQ"]
    response = client.post("/api/v1/projects/bulk", json={"items": batch})
    assert response.status_code == 422
    # Every error of the row at once: the share rule and the unknown country together.
    assert {e["pointer"] for e in response.json["errors"]} == {"/items/999/priorities", "/items/999/countries/1"}
    assert count(in_app) == 0

    batch[999]["priorities"][0]["share"] = "60"
    batch[999]["countries"] = ["AL"]
    response = client.post("/api/v1/projects/bulk", json={"items": batch})
    assert response.status_code == 200, response.json
    assert (response.json["created"], response.json["updated"]) == (1000, 0)
    assert count(in_app) == 1000

    batch[0]["title"] = "Changed"
    response = client.post("/api/v1/projects/bulk?mode=upsert", json={"items": batch})
    # The sync scripts' normal case: unchanged rows write nothing (no version, no history).
    assert (response.json["created"], response.json["updated"], response.json["unchanged"]) == (0, 1, 999)
    assert count(in_app) == 1000
    assert count(in_app, data_events()) == 1001


def test_bulk_reports_every_bad_row_with_its_pointer(client, in_app):
    batch = items(5)
    batch[1]["region"] = "atlantis"
    batch[3]["priorities"][1]["share"] = "abc"
    del batch[4]["title"]
    batch[2]["code"] = batch[0]["code"]
    response = client.post("/api/v1/projects/bulk", json={"items": batch})
    assert response.status_code == 422
    pointers = [e["pointer"] for e in response.json["errors"]]
    assert pointers == ["/items/1/region", "/items/2/code", "/items/3/priorities/1/share", "/items/4/title"]
    assert count(in_app) == 0


def test_bulk_create_mode_refuses_existing_codes_upsert_updates_them(client, in_app):
    create_project(client, "B-0000")
    add_line(client, "B-0000", amount="99.99")
    response = client.post("/api/v1/projects/bulk", json={"items": items(2)})
    assert response.status_code == 409  # a taken code is a conflict, as on POST /projects (#21.4)
    assert [e["pointer"] for e in response.json["errors"]] == ["/items/0/code"]
    response = client.post("/api/v1/projects/bulk?mode=upsert", json={"items": items(2)})
    assert response.json["items"] == [{"index": 0, "code": "B-0000", "action": "updated"},
                                      {"index": 1, "code": "B-0001", "action": "created"}]
    project = client.get("/api/v1/projects/B-0000").json
    assert project["version"] == 3  # created, line added, bulk update
    # Allocations follow the new shares and countries, on the budget the project already had.
    assert [(p["code"], p["budget_usd"]) for p in project["priorities"]] == [("cooperation", "59.99"),
                                                                            ("harmonization", "40.00")]
    assert [c["budget_usd"] for c in project["countries"]] == ["50.00", "49.99"]
    history = client.get("/api/v1/projects/B-0000/history").json
    assert history[0]["action"] == "update" and "priorities" in history[0]["changed"]
    assert history[0]["before"]["budget_usd"] == history[0]["after"]["budget_usd"] == "99.99"


def test_bulk_limits_and_shape_are_checked(client):
    assert client.post("/api/v1/projects/bulk", json={"items": []}).status_code == 422
    response = client.post("/api/v1/projects/bulk", json={"items": items(5001)})
    assert response.status_code == 422 and response.json["errors"][0]["pointer"] == "/items"
    response = client.post("/api/v1/projects/bulk", json=[project_body()])
    assert response.status_code == 422
    assert client.post("/api/v1/projects/bulk?mode=merge", json={"items": items(1)}).status_code == 422


CSV = ("code,title,region,countries,priorities,activity_types,start_date,post_emergency\n"
       "C-1,Border training,europe,AL;BA,cooperation:60;harmonization:40,training-hrd,2004-01-01,false\n"
       "C-2,Passport system,americas,EC,irregular-migration,,2004-02-01,true\n")


def test_bulk_csv_upload_as_body_and_as_form_file(client, in_app):
    response = client.post("/api/v1/projects/bulk", data=CSV, content_type="text/csv")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    project = client.get("/api/v1/projects/C-1").json
    assert [(p["code"], p["share"]) for p in project["priorities"]] == [("cooperation", "60.00"),
                                                                        ("harmonization", "40.00")]
    assert client.get("/api/v1/projects/C-2").json["post_emergency"] is True
    import io
    response = client.post("/api/v1/projects/bulk?mode=upsert", data={"file": (io.BytesIO(CSV.encode()), "p.csv")},
                           content_type="multipart/form-data")
    assert (response.json["updated"], response.json["unchanged"]) == (0, 2)


def test_bulk_csv_errors_use_the_same_pointers(client, in_app):
    bad = CSV.replace("cooperation:60", "cooperation:70").replace(",EC,", ",XX,")
    response = client.post("/api/v1/projects/bulk", data=bad, content_type="text/csv")
    assert response.status_code == 422
    assert [(e["pointer"], e["location"], e["row"], e["column"]) for e in response.json["errors"]] == [
        ("/items/0/priorities", "csv", 2, "priorities"), ("/items/1/countries/0", "csv", 3, "countries")]
    header = client.post("/api/v1/projects/bulk", data="code,title,colour,title\nX,Y,red,Z\n", content_type="text/csv")
    assert {(e["pointer"], e["location"]) for e in header.json["errors"]} == {("/columns/colour", "csv"),
                                                                              ("/columns/title", "csv")}
    new_without_region = client.post("/api/v1/projects/bulk", data="code,title\nX,Y\n", content_type="text/csv")
    assert [(e["pointer"], e["row"], e["column"]) for e in new_without_region.json["errors"]] == [
        ("/items/0/priorities", 2, "priorities"), ("/items/0/region", 2, "region")]
    assert count(in_app) == 0


def test_bulk_with_idempotency_key_runs_once(client, in_app):
    for _ in range(2):
        response = client.post("/api/v1/projects/bulk", json={"items": items(3)}, headers={"Idempotency-Key": "b"})
        assert response.json["created"] == 3
    assert count(in_app) == 3


def test_bulk_csv_that_is_not_utf8_or_not_csv_is_422_not_500(client, in_app):
    import io
    png = b"\x89PNG\r\n\x1a\n\x00\x00"
    response = client.post("/api/v1/projects/bulk", data={"file": (io.BytesIO(png), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "UTF-8" in response.json["detail"]
    response = client.post("/api/v1/projects/bulk", data=png, content_type="text/csv")
    assert response.status_code == 422
    response = client.post("/api/v1/projects/bulk", data=b"code,title,region\nA,\x00B,europe\n",
                           content_type="text/csv")
    assert response.status_code == 422
    assert count(in_app) == 0


def test_a_media_type_the_operation_does_not_take_is_415_with_or_without_a_body(client, in_app):
    """A media type the operation does not take is refused for it: empty, it was a 422 (missing body) where the
    same request with a body was a 415. (The bulk uploads take XLSX; a single create does not; no operation
    takes PDF.)"""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    refused = [(path, "application/pdf") for path in ("/api/v1/projects/bulk", "/api/v1/transactions/bulk")]
    for path, media_type in [*refused, ("/api/v1/projects", xlsx)]:
        for data in (b"", b"PK\x03\x04 not really a workbook"):
            response = client.post(path, data=data, content_type=media_type)
            assert response.status_code == 415, (path, data, response.json)
            assert response.content_type == "application/problem+json"
    # A bulk upload takes XLSX: bytes that are no workbook are its own 422, at the file
    for data in (b"", b"PK\x03\x04 not really a workbook"):
        response = client.post("/api/v1/projects/bulk", data=data, content_type=xlsx)
        assert response.status_code == 422, (data, response.json)
    # Without a Content-Type an empty body is still the operation's own 422: nothing was sent to refuse.
    response = client.post("/api/v1/projects", data=b"")
    assert response.status_code == 422, response.json
    assert count(in_app) == 0


def test_bulk_upsert_of_an_unchanged_project_writes_nothing(client):
    """The sync scripts' normal case: re-sending a stored project changes no version, ETag or history."""
    body = project_body("S-1", acronym="SNAP", description="d", countries=["BA", "AL"], rcps=["budapest-process"],
                        activity_types=["training-hrd", "policy-frameworks"], start_date="2004-01-01",
                        end_date="2005-12-31", post_emergency=True,
                        priorities=[{"code": "harmonization", "share": "40"}, {"code": "cooperation", "share": "60"}])
    assert client.post("/api/v1/projects", json=body).status_code == 201
    add_line(client, "S-1", amount="10.00")
    before = client.get("/api/v1/projects/S-1")
    history = client.get("/api/v1/projects/S-1/history").json
    response = client.post("/api/v1/projects/bulk?mode=upsert", json={"items": [body]})
    assert response.json["items"] == [{"index": 0, "code": "S-1", "action": "unchanged"}]
    after = client.get("/api/v1/projects/S-1")
    assert after.headers["ETag"] == before.headers["ETag"] and after.json["version"] == before.json["version"]
    assert client.get("/api/v1/projects/S-1/history").json == history


@pytest.mark.parametrize("name, value, bad", [("dac_sector", "15190", "99999"), ("activity_scope", "4", "10")])
def test_a_stated_iati_code_goes_through_json_csv_import_and_export_like_any_project_field(client, name, value, bad):
    """dac_sector (migration 0010) was a JSON field only: the CSV/XLSX importers refused the column as unknown
    and the bulk export left it out, so a file round trip lost it. activity_scope (migration 0011) was added by
    the one declaration of project fields (models/project.py PROJECT_FIELDS) and goes everywhere alike."""
    create_project(client, "DAC-1", **{name: value})
    create_project(client, "DAC-2")
    assert client.patch("/api/v1/projects/DAC-2", json={name: bad}, headers={
        "If-Match": client.get("/api/v1/projects/DAC-2").headers["ETag"]}).status_code == 422
    exported = client.get("/api/v1/projects/bulk/export.csv?q=DAC").get_data(as_text=True).splitlines()
    header = exported[0].split(",")
    assert name in header
    cells = {line.split(",")[0]: line.split(",")[header.index(name)] for line in exported[1:]}
    assert cells == {"DAC-1": value, "DAC-2": ""}
    answer = client.post("/api/v1/projects/bulk?mode=upsert", data=f"code,{name},clear\nDAC-1,,{name}\n"
                         f"DAC-2,{value},\n", content_type="text/csv")
    assert answer.status_code == 200 and answer.json["updated"] == 2, answer.json
    assert client.get("/api/v1/projects/DAC-1").json[name] is None
    assert client.get("/api/v1/projects/DAC-2").json[name] == value
    answer = client.post("/api/v1/projects/bulk?mode=upsert", data=f"code,{name}\nDAC-2,{bad}\n",
                         content_type="text/csv")
    assert answer.status_code == 422
    assert [(e["pointer"], e["column"]) for e in answer.json["errors"]] == [(f"/items/0/{name}", name)]
