"""Bulk create/upsert: all or nothing, every bad row named by its JSON pointer."""
from helpers import add_line, create_project, project_body
from sqlalchemy import func, select

from portfolio.extensions import db
from portfolio.models import AuditEvent, Project


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
    assert count(in_app, AuditEvent) == 1001


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
    assert response.status_code == 422
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
