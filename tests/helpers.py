"""Small helpers that read like API usage."""
from hypothesis import settings


def example_count(n: int) -> int:
    """A property test's example count: `n` under Hypothesis's `default` and `ci` profiles (100 examples a
    test), proportionally fewer under `dev` (--hypothesis-profile=dev, tests/conftest.py)."""
    return max(1, n * settings.default.max_examples // 100)


def data_events():
    """The audit events of the portfolio's data (projects, their records, organisations), without the admin
    actions' (users, tokens: the set-up's test-admin token has one), for `select_from`."""
    from sqlalchemy import select

    from portfolio.models import AuditEvent

    return select(AuditEvent.id).where(AuditEvent.entity.not_in(("user", "token"))).subquery()


def project_body(code="P-1", **overrides) -> dict:
    body = {
        "code": code,
        "title": f"Project {code}",
        "region": "europe",
        "countries": ["AL"],
        "priorities": [{"code": "cooperation"}],
        "activity_types": ["policy-frameworks"],
        "status": "implementation",
    }
    body.update(overrides)
    return body


def create_project(client, code="P-1", **overrides) -> dict:
    response = client.post("/api/v1/projects", json=project_body(code, **overrides))
    assert response.status_code == 201, response.json
    return response.json


def line_body(**overrides) -> dict:
    body = {"period_start": "2003-01-01", "period_end": "2003-12-31", "amount": "1000.00", "currency": "USD"}
    body.update(overrides)
    return body


def add_line(client, code="P-1", **overrides) -> dict:
    response = client.post(f"/api/v1/projects/{code}/budget-lines", json=line_body(**overrides))
    assert response.status_code == 201, response.json
    return response.json


def etag(client, path: str) -> str:
    return client.get(path).headers["ETag"]


def pointers(response) -> set[str]:
    assert response.content_type == "application/problem+json", response.data
    return {error["pointer"] for error in response.json.get("errors", [])}


def load_rates(runner, tmp_path, text: str) -> None:
    """`flask rates load` of these CSV rows (after the header currency,date,usd_per_unit,source)."""
    path = tmp_path / "rates.csv"
    path.write_text("currency,date,usd_per_unit,source\n" + text, encoding="utf-8")
    result = runner.invoke(args=["rates", "load", str(path)])
    assert result.exit_code == 0, result.output
