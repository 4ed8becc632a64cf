"""The published contract does not break existing clients: the live OpenAPI document is compared with the
snapshot of the released one (openapi/v1.json). A breaking change fails, listing every change; an intended
change is released with openapi/update_snapshot.py, a new API_VERSION and an entry in docs/CHANGELOG-api.md."""
import copy
import json
import warnings
from pathlib import Path

import pytest

from portfolio.api.spec_diff import changes

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "openapi" / "v1.json"
CHANGELOG = ROOT / "docs" / "CHANGELOG-api.md"
HOW = ("If the change is intended: bump API_VERSION (portfolio/config.py), describe it in docs/CHANGELOG-api.md and "
       "run `.venv/bin/python openapi/update_snapshot.py --allow-breaking`.")


@pytest.fixture(scope="module")
def live(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture(scope="module")
def snapshot():
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_live_document_breaks_no_client_of_the_published_one(live, snapshot):
    found = changes(snapshot, live)
    breaking = [str(c) for c in found if c.breaking]
    assert not breaking, "Breaking changes to the published API:\n" + "\n".join(breaking) + "\n" + HOW
    if found:
        warnings.warn("The API changed since openapi/v1.json (not breaking); release it with "
                      "openapi/update_snapshot.py:\n" + "\n".join(map(str, found)), stacklevel=1)


def test_the_snapshot_is_the_version_the_changelog_describes(live, snapshot):
    text = CHANGELOG.read_text(encoding="utf-8")
    assert f"## {snapshot['info']['version']}" in text
    assert f"## {live['info']['version']}" in text, "describe the new API_VERSION in docs/CHANGELOG-api.md"


def test_the_snapshot_is_a_valid_document(snapshot):
    from openapi_spec_validator import validate

    validate(snapshot)


# The checker itself: each kind of change it must see, on a copy of the snapshot.

def _changed(snapshot, edit) -> list[str]:
    new = copy.deepcopy(snapshot)
    edit(new)
    return [str(c) for c in changes(snapshot, new)]


def _next_minor(version: str) -> str:
    major, minor, _ = version.split(".")
    return f"{major}.{int(minor) + 1}.0"


def _breaking(snapshot, edit) -> list[str]:
    return [c for c in _changed(snapshot, edit) if c.startswith("BREAKING")]


def _schema(spec, name):
    return spec["components"]["schemas"][name]


def _operation(spec, method, path):
    return spec["paths"][path][method]


BREAKING_EDITS = {
    "path removed": lambda s: s["paths"].pop("/api/v1/regions"),
    "operation removed": lambda s: s["paths"]["/api/v1/projects/{code}"].pop("put"),
    "operationId renamed": lambda s: _operation(s, "post", "/api/v1/projects").update(operationId="newProject"),
    "parameter removed": lambda s: _operation(s, "get", "/api/v1/projects")["parameters"].pop(0),
    "parameter made required": lambda s: _operation(s, "get", "/api/v1/projects")["parameters"][0].update(
        required=True),
    "required parameter added": lambda s: _operation(s, "get", "/api/v1/regions")["parameters"].append(
        {"in": "query", "name": "lang", "required": True, "schema": {"type": "string"}}),
    "response field removed": lambda s: _schema(s, "Project")["properties"].pop("title"),
    "request field removed": lambda s: _schema(s, "ProjectWrite")["properties"].pop("acronym"),
    "request field made required": lambda s: _schema(s, "ProjectWrite")["required"].append("acronym"),
    "enum value removed": lambda s: _schema(s, "ProjectStatus")["enum"].remove("closed"),
    "enum value added to an answer": lambda s: _schema(s, "BulkAction")["enum"].append("skipped"),
    "type changed": lambda s: _schema(s, "Project")["properties"].update(version={"type": "string"}),
    "answer may now be null": lambda s: _schema(s, "Project")["properties"]["title"].update(nullable=True),
    "request constraint tightened": lambda s: _schema(s, "ProjectWrite")["properties"]["title"].update(maxLength=10),
    "request media type removed": lambda s: _operation(s, "post", "/api/v1/projects/bulk")["requestBody"][
        "content"].pop("text/csv"),
    "success response header removed": lambda s: _operation(s, "get", "/api/v1/projects")["responses"]["200"][
        "headers"].pop("Link"),
}


@pytest.mark.parametrize("edit", BREAKING_EDITS.values(), ids=BREAKING_EDITS.keys())
def test_the_checker_finds_breaking_changes(snapshot, edit):
    assert _breaking(snapshot, edit)


NON_BREAKING_EDITS = {
    "operation added": lambda s: s["paths"].update({"/api/v1/new": {"get": {
        "operationId": "getNew", "responses": {"200": {"description": "OK"}}}}}),
    "optional parameter added": lambda s: _operation(s, "get", "/api/v1/regions")["parameters"].append(
        {"in": "query", "name": "lang", "schema": {"type": "string"}}),
    "response field added": lambda s: _schema(s, "Project")["properties"].update(note={"type": "string"}),
    "optional request field added": lambda s: _schema(s, "ProjectWrite")["properties"].update(
        note={"type": "string"}),
    "enum value added to a request only": lambda s: _schema(s, "RcpLink")["enum"].append("either"),
    "request constraint loosened": lambda s: _schema(s, "ProjectWrite")["properties"]["title"].update(
        maxLength=1000),
    "error status documented": lambda s: _operation(s, "get", "/api/v1/regions")["responses"].update(
        {"418": {"description": "teapot"}}),
    "version bumped": lambda s: s["info"].update(version=_next_minor(s["info"]["version"])),
    "request field no longer required": lambda s: _schema(s, "ProjectCreate")["required"].remove("title"),
    "default changed": lambda s: _schema(s, "BudgetLineWrite")["properties"]["status"].update(default="committed"),
}


@pytest.mark.parametrize("edit", NON_BREAKING_EDITS.values(), ids=NON_BREAKING_EDITS.keys())
def test_the_checker_lists_other_changes_without_failing(snapshot, edit):
    found = _changed(snapshot, edit)
    assert found and not [c for c in found if c.startswith("BREAKING")], found


def test_an_unchanged_document_has_no_changes(snapshot):
    assert changes(snapshot, copy.deepcopy(snapshot)) == []
