"""#21.7: no answer that is not public may be stored by a cache (a shared proxy, a browser's disk):
`Cache-Control: no-store` on everything but the OpenAPI document and its docs page. ETags work as before."""
import pytest
from helpers import create_project


def test_authenticated_answers_are_not_stored_and_etags_still_work(client):
    created = client.post("/api/v1/projects", json={"code": "CC-1", "title": "t", "region": "europe",
                                                   "priorities": [{"code": "cooperation"}]})
    assert created.headers["Cache-Control"] == "no-store"
    response = client.get("/api/v1/projects/CC-1")
    assert response.headers["Cache-Control"] == "no-store"
    etag = response.headers["ETag"]
    again = client.get("/api/v1/projects/CC-1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/aggregates/region.csv", "/api/v1/regions",
                                  "/api/v1/projects/NOPE", "/healthz", "/readyz"])
def test_every_answer_that_is_not_public_says_no_store(client, anonymous, path):
    create_project(client, "CC-2")
    for caller in (client, anonymous):
        assert caller.get(path).headers.get("Cache-Control") == "no-store", (path, caller)


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_public_contract_may_be_cached(anonymous, path):
    assert "no-store" not in anonymous.get(path).headers.get("Cache-Control", "")
