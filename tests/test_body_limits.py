"""#21.1: a body over the limit is refused with 413 however it is framed (Content-Length, chunked, multipart),
on every upload route, and nothing is written; a chunked body under the limit is read whole.

Against a live gunicorn: it passes a chunked body to the app without a Content-Length, which is how the
16 MiB limit was once read as "stop reading there" and a cut CSV imported."""
import http.client
import json
import uuid

import pytest
from live import LiveServer

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def server(app):
    server = LiveServer(app.config["SQLALCHEMY_DATABASE_URI"], workers=1, env={"MAX_CONTENT_LENGTH": str(LIMIT)})
    yield server
    server.stop()


def send(port: int, token: str, path: str, body: bytes, content_type: str, chunked: bool):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    if chunked:
        # An iterable body without a Content-Length: http.client sends it as Transfer-Encoding: chunked.
        pieces = (body[i:i + 8192] for i in range(0, len(body), 8192))
        conn.request("POST", path, body=pieces, headers=headers, encode_chunked=True)
    else:
        conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, response.getheader("Content-Type"), payload


def project_csv(rows: int, description_length: int) -> bytes:
    lines = ["code,title,region,priorities,description"]
    lines += [f"BIG-{i},Project {i},europe,cooperation,{'d' * description_length}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def transaction_csv(rows: int, description_length: int) -> bytes:
    lines = ["project,reference,type,date,amount,currency,description"]
    lines += [f"TX-HOME,R-{i},expenditure,2004-01-01,1.00,USD,{'d' * description_length}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def multipart(csv: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rows.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + csv + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def as_media(csv: bytes, media: str, items: list[dict]) -> tuple[bytes, str]:
    if media == "csv":
        return csv, "text/csv"
    if media == "multipart":
        return multipart(csv)
    return json.dumps({"items": items}).encode(), "application/json"


def project_items(rows, description_length):
    return [{"code": f"BIG-{i}", "title": f"Project {i}", "region": "europe", "priorities": [{"code": "cooperation"}],
             "description": "d" * description_length} for i in range(rows)]


def transaction_items(rows, description_length):
    return [{"project": "TX-HOME", "reference": f"R-{i}", "type": "expenditure", "date": "2004-01-01",
             "amount": "1.00", "currency": "USD", "description": "d" * description_length} for i in range(rows)]


ROUTES = {"/api/v1/projects/bulk": (project_csv, project_items),
          "/api/v1/transactions/bulk": (transaction_csv, transaction_items)}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("media", ["csv", "multipart", "json"])
@pytest.mark.parametrize("path", list(ROUTES))
def test_an_upload_over_the_limit_is_413_however_it_is_framed(app, client, server, path, media, chunked):
    from helpers import create_project

    create_project(client, "TX-HOME")
    make_csv, make_items = ROUTES[path]
    # 40 rows of 2,000 characters: 80 KB, over the 64 KiB limit; cut at the limit it would still parse.
    body, content_type = as_media(make_csv(40, 2000), media, make_items(40, 2000))
    assert len(body) > LIMIT
    status, media_type, payload = send(server.port, app.config["TEST_ADMIN_TOKEN"], path, body, content_type, chunked)
    assert status == 413, payload[:300]
    assert media_type == "application/problem+json"
    assert client.get("/api/v1/projects").headers["X-Total-Count"] == "1"
    assert client.get("/api/v1/projects/TX-HOME").json["actuals"]["transaction_count"] == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_single_json_write_over_the_limit_is_413_however_it_is_framed(app, client, server, chunked):
    from helpers import project_body

    body = json.dumps(project_body("HUGE", description="d" * (LIMIT + 10))).encode()
    status, media_type, payload = send(server.port, app.config["TEST_ADMIN_TOKEN"], "/api/v1/projects", body,
                                       "application/json", chunked)
    assert (status, media_type) == (413, "application/problem+json")
    # It names the limit (it said Werkzeug's "The data value transmitted exceeds the capacity limit").
    assert f"({LIMIT:,} bytes)" in json.loads(payload)["detail"], payload
    assert client.get("/api/v1/projects/HUGE").status_code == 404


@pytest.mark.parametrize("media", ["csv", "multipart", "json"])
def test_a_chunked_upload_under_the_limit_is_read_whole(app, client, server, media):
    body, content_type = as_media(project_csv(20, 2000), media, project_items(20, 2000))
    assert len(body) < LIMIT
    status, _, payload = send(server.port, app.config["TEST_ADMIN_TOKEN"], "/api/v1/projects/bulk", body,
                              content_type, chunked=True)
    assert status == 200, payload[:300]
    assert json.loads(payload)["created"] == 20
    assert client.get("/api/v1/projects/BIG-19").json["description"] == "d" * 2000
