"""Hostile inputs (#13), one table: every case is refused with a 4xx problem+json that names the field or
parameter at fault (pointer and location), and nothing changed: every table's rows (the audit events
included), the rollups (they still match a fresh computation) and the aggregate totals are as before.

The kinds: NUL characters and lone surrogates in bodies, keys, CSV cells and query parameters; JSON nested
over a thousand levels; incomplete nested objects; integers beyond the columns in paths, bodies and
queries; decimals beyond the decimal context; money that passes each field's check but overflows (one
amount, or a project's total); dates at the edges of the calendar; hand-made keyset cursors; the one
grammar of amounts, dates and currencies; a rate on a USD amount; a CSV whose header repeats a column;
codes with a trailing newline; unknown, listed and repeated query parameters and unknown codes. Projects,
budget lines, transactions, organisations, and bulk uploads of projects and transactions (JSON, CSV and
multipart) alike.
"""
import base64
import hashlib
import io
import json
from dataclasses import dataclass, field

import pytest
from helpers import add_line, create_project, project_body
from sqlalchemy import inspect, select, table, text

from portfolio.extensions import db
from portfolio.statistics.rollups import differences

HUGE = "1000000000000000000000000000000.001"  # beyond 28 significant digits: the decimal context
SURROGATE_JSON = '"\\ud800"'  # a lone surrogate, as JSON escapes it


@dataclass
class Case:
    label: str
    method: str
    path: str
    status: int
    pointer: str | None = None  # an errors entry names it ...
    location: str | None = None  # ... in this part of the request (json, query, csv, files)
    json: object = None
    data: bytes | str | None = None
    content_type: str | None = None
    query: dict | None = None
    if_match: str | None = None  # read the ETag of this path and send it as If-Match
    headers: dict = field(default_factory=dict)

    def __str__(self):
        return self.label


def line(**overrides) -> dict:
    return {"period_start": "2005-01-01", "period_end": "2005-12-31", "amount": "10.00", "currency": "USD",
            **overrides}


def tx(**overrides) -> dict:
    return {"reference": "NEW-1", "type": "expenditure", "date": "2005-02-01", "amount": "10.00", "currency": "USD",
            **overrides}


def bulk_tx(**overrides) -> dict:
    return {"project": "P-1", **tx(**overrides)}


def org(**overrides) -> dict:
    return {"code": "NEW-ORG", "name": "A new organisation", "type": "10", **overrides}


def cursor(*parts) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def raw(body: dict, key: str, fragment: str) -> str:
    """The JSON of `body` with `key`'s value replaced by a raw JSON fragment (lone surrogates, huge nesting)."""
    marker = "__RAW__"
    return json.dumps({**body, key: marker}).replace(f'"{marker}"', fragment)


P = "/api/v1/projects"
LINES = f"{P}/P-1/budget-lines"
TXS = f"{P}/P-1/transactions"
BULK = f"{P}/bulk"
TX_BULK = "/api/v1/transactions/bulk"
ORGS = "/api/v1/organisations"
CSV = "text/csv"
JSON = "application/json"
PROJECT_CSV_HEAD = "code,title,region,priorities\n"
TX_CSV_HEAD = "project,reference,type,date,amount,currency,fx_rate\n"
EDGE = "0001-01-01T00:00:00+14:00"

CASES = [
    # --- NUL (U+0000) in body strings --------------------------------------------------------------------
    Case("NUL in project title", "POST", P, 422, "/title", "json", json=project_body("N-1", title="a\x00b")),
    Case("NUL in project description", "POST", P, 422, "/description", "json",
         json=project_body("N-1", description="x\x00")),
    Case("NUL in project acronym", "POST", P, 422, "/acronym", "json", json=project_body("N-1", acronym="\x00")),
    Case("NUL in project code", "POST", P, 422, "/code", "json", json=project_body("N-1\x00")),
    Case("NUL in a country code", "POST", P, 422, "/countries/0", "json",
         json=project_body("N-1", countries=["A\x00"])),
    Case("NUL in a priority code", "POST", P, 422, "/priorities/0/code", "json",
         json=project_body("N-1", priorities=[{"code": "cooperation\x00"}])),
    Case("NUL in a JSON key", "POST", P, 422, "/ti\x00tle", "json", json={**project_body("N-1"), "ti\x00tle": "x"}),
    Case("NUL in PATCH title", "PATCH", f"{P}/P-1", 422, "/title", "json", json={"title": "\x00"},
         if_match=f"{P}/P-1"),
    Case("NUL in PUT title", "PUT", f"{P}/P-1", 422, "/title", "json",
         json={k: v for k, v in project_body("P-1", title="t\x00").items() if k != "code"}, if_match=f"{P}/P-1"),
    Case("NUL in budget line donor", "POST", LINES, 422, "/donor", "json", json=line(donor="IOM\x00")),
    Case("NUL in budget line currency", "POST", LINES, 422, "/currency", "json", json=line(currency="US\x00")),
    Case("NUL in budget line PATCH donor", "PATCH", f"{LINES}/{{usd_line}}", 422, "/donor", "json",
         json={"donor": "\x00"}, if_match=f"{LINES}/{{usd_line}}"),
    Case("NUL in transaction reference", "POST", TXS, 422, "/reference", "json", json=tx(reference="R\x00")),
    Case("NUL in transaction description", "POST", TXS, 422, "/description", "json", json=tx(description="\x00")),
    Case("NUL in transaction PATCH description", "PATCH", f"{TXS}/{{tx}}", 422, "/description", "json",
         json={"description": "d\x00"}, if_match=f"{TXS}/{{tx}}"),
    Case("NUL in organisation name", "POST", ORGS, 422, "/name", "json", json=org(name="n\x00")),
    Case("NUL in organisation PATCH name", "PATCH", f"{ORGS}/IOM", 422, "/name", "json", json={"name": "\x00"},
         if_match=f"{ORGS}/IOM"),
    Case("NUL in bulk JSON project title", "POST", BULK, 422, "/items/1/title", "json",
         json={"items": [project_body("B-1"), project_body("B-2", title="\x00")]}),
    Case("NUL in bulk JSON transaction reference", "POST", TX_BULK, 422, "/items/0/reference", "json",
         json={"items": [bulk_tx(reference="\x00")]}),
    # --- NUL in CSV cells ----------------------------------------------------------------------------------
    Case("NUL in a project CSV cell", "POST", BULK, 422, "/", "csv", content_type=CSV,
         data=PROJECT_CSV_HEAD + "B-1,ti\x00tle,europe,cooperation\n"),
    Case("NUL in a project CSV header", "POST", BULK, 422, "/", "csv", content_type=CSV,
         data="code,ti\x00tle,region\nB-1,t,europe\n"),
    Case("NUL in a transaction CSV cell", "POST", TX_BULK, 422, "/", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1\x00,expenditure,2005-01-01,1.00,USD,\n"),
    Case("NUL in a multipart CSV file", "POST", BULK, 422, "/", "csv", content_type="multipart/form-data",
         data={"file": (PROJECT_CSV_HEAD + "B-1,t\x00,europe,cooperation\n", "p.csv")}),
    # --- other C0/C1 control characters (#21.3, #21.7): every text field, key, CSV cell and query parameter ----
    Case("U+0001 in project title", "POST", P, 422, "/title", "json", json=project_body("N-1", title="a\x01b")),
    Case("U+0007 in project acronym", "POST", P, 422, "/acronym", "json", json=project_body("N-1", acronym="\x07")),
    Case("U+001B in project description", "POST", P, 422, "/description", "json",
         json=project_body("N-1", description="line\n\x1b[31mred")),
    Case("U+007F in PATCH title", "PATCH", f"{P}/P-1", 422, "/title", "json", json={"title": "t\x7f"},
         if_match=f"{P}/P-1"),
    Case("U+0085 (C1) in organisation name", "POST", ORGS, 422, "/name", "json", json=org(name="Ctrl\x85Org")),
    Case("U+0001 in organisation name", "POST", ORGS, 422, "/name", "json", json=org(name="Ctrl\x01Org")),
    Case("U+009F in transaction description", "POST", TXS, 422, "/description", "json", json=tx(description="\x9f")),
    Case("U+0008 in a JSON key", "POST", P, 422, "/ti\x08tle", "json", json={**project_body("N-1"), "ti\x08tle": "x"}),
    Case("U+0001 in bulk JSON title", "POST", BULK, 422, "/items/0/title", "json",
         json={"items": [project_body("B-1", title="\x01")]}),
    Case("U+0001 in a project CSV title", "POST", BULK, 422, "/items/0/title", "csv", content_type=CSV,
         data=PROJECT_CSV_HEAD + "B-1,ti\x01tle,europe,cooperation\n"),
    Case("U+0007 in a transaction CSV description", "POST", TX_BULK, 422, "/items/0/description", "csv",
         content_type=CSV, data="project,reference,type,date,amount,currency,description\n"
                                "P-1,R-9,expenditure,2005-01-01,1.00,USD,bell\x07\n"),
    Case("U+0001 in q", "GET", P, 422, "/q", "query", query={"q": "a\x01b"}),
    Case("U+0001 in q of an XLSX aggregate", "GET", "/api/v1/aggregates/year.xlsx", 422, "/q", "query",
         query={"q": "a\x01b"}),
    Case("U+0090 in country", "GET", "/api/v1/aggregates/priority", 422, "/country", "query",
         query={"country": "AL\x90"}),
    # --- a JSON key given twice (#21.7): refused, naming it, never "the last one wins" ------------------------
    Case("code given twice", "POST", P, 422, "/code", "json", content_type="application/json",
         data='{"code": "D-1", "code": "D-2", "title": "t", "region": "europe", '
              '"priorities": [{"code": "cooperation"}]}'),
    Case("share given twice in a priority", "POST", P, 422, "/priorities/0/share", "json",
         content_type="application/json",
         data='{"code": "D-1", "title": "t", "region": "europe", '
              '"priorities": [{"code": "cooperation", "share": "100", "share": "50"}]}'),
    Case("title given twice in a PATCH", "PATCH", f"{P}/P-1", 422, "/title", "json", content_type="application/json",
         data='{"title": "a", "title": "b"}', if_match=f"{P}/P-1"),
    Case("items given twice in a bulk body", "POST", BULK, 422, "/items", "json", content_type="application/json",
         data='{"items": [], "items": [{"code": "D-1", "title": "t", "region": "europe", '
              '"priorities": [{"code": "cooperation"}]}]}'),
    # --- NUL in query parameters ---------------------------------------------------------------------------
    Case("NUL in q", "GET", P, 422, "/q", "query", query={"q": "pass\x00port"}),
    Case("NUL in q of an aggregate", "GET", "/api/v1/aggregates/region", 422, "/q", "query", query={"q": "\x00"}),
    Case("NUL in country", "GET", "/api/v1/aggregates/priority", 422, "/country", "query", query={"country": "AL\x00"}),
    Case("NUL in country of the RCPs", "GET", "/api/v1/rcps", 422, "/country", "query", query={"country": "\x00"}),
    Case("NUL in kind", "GET", "/api/v1/rcps", 422, "/kind", "query", query={"kind": "major\x00"}),
    Case("NUL in q of the countries", "GET", "/api/v1/countries", 422, "/q", "query", query={"q": "al\x00"}),
    Case("NUL in region", "GET", P, 422, "/region", "query", query={"region": "europe\x00"}),
    Case("NUL in sort", "GET", P, 422, "/sort", "query", query={"sort": "\x00"}),
    Case("NUL in mode", "POST", BULK, 422, "/mode", "query", query={"mode": "upsert\x00"},
         json={"items": [project_body("B-1")]}),
    Case("NUL in q of the export", "GET", "/api/v1/exports/transactions", 422, "/q", "query", query={"q": "a\x00"}),
    # --- lone surrogates -------------------------------------------------------------------------------------
    Case("lone surrogate in title", "POST", P, 422, "/title", "json", content_type=JSON,
         data=raw(project_body("S-1"), "title", SURROGATE_JSON)),
    Case("lone low surrogate in description", "POST", P, 422, "/description", "json", content_type=JSON,
         data=raw(project_body("S-1"), "description", '"ok \\udc00"')),
    Case("lone surrogate in a key", "POST", P, 422, "/\ud800", "json", content_type=JSON,
         data=json.dumps(project_body("S-1"))[:-1] + ', "\\ud800": 1}'),
    Case("lone surrogate in donor", "POST", LINES, 422, "/donor", "json", content_type=JSON,
         data=raw(line(), "donor", SURROGATE_JSON)),
    Case("lone surrogate in transaction description", "POST", TXS, 422, "/description", "json", content_type=JSON,
         data=raw(tx(), "description", SURROGATE_JSON)),
    Case("lone surrogate in organisation name", "POST", ORGS, 422, "/name", "json", content_type=JSON,
         data=raw(org(), "name", SURROGATE_JSON)),
    Case("lone surrogate in a bulk item", "POST", BULK, 422, "/items/0/title", "json", content_type=JSON,
         data='{"items": [' + raw(project_body("S-1"), "title", SURROGATE_JSON) + "]}"),
    Case("surrogate bytes in a CSV (not UTF-8)", "POST", TX_BULK, 422, "/", "csv", content_type=CSV,
         data=(TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,1.00,USD,\n").encode() + b"\xed\xa0\x80\n"),
    Case("surrogate bytes in a country parameter", "GET", "/api/v1/aggregates/country?country=%ED%A0%80", 422,
         "/country", "query"),
    # --- JSON nested 1,000+ levels -----------------------------------------------------------------------------
    Case("JSON array nested 1,500 levels", "POST", P, 400, content_type=JSON, data=nested(1500)),
    Case("JSON object nested 1,200 levels", "POST", P, 400, content_type=JSON,
         data='{"a":' * 1200 + "1" + "}" * 1200),
    Case("title nested 1,000 levels", "POST", P, 400, content_type=JSON,
         data=raw(project_body("D-1"), "title", nested(1000, '"x"'))),
    Case("PATCH nested 5,000 levels", "PATCH", f"{P}/P-1", 400, content_type=JSON, data=nested(5000),
         if_match=f"{P}/P-1"),
    Case("budget line nested 2,000 levels", "POST", LINES, 400, content_type=JSON,
         data=raw(line(), "amount", nested(2000))),
    Case("bulk items nested 1,000 levels", "POST", BULK, 400, content_type=JSON,
         data='{"items": ' + nested(1000) + "}"),
    Case("transaction bulk nested 1,000 levels", "POST", TX_BULK, 400, content_type=JSON,
         data='{"items": [' + raw(bulk_tx(), "description", nested(1000, "{}")) + "]}"),
    Case("organisation nested 3,000 levels", "POST", ORGS, 400, content_type=JSON,
         data=raw(org(), "name", nested(3000))),
    # --- incomplete nested objects ------------------------------------------------------------------------------
    Case("PATCH priorities [{}]", "PATCH", f"{P}/P-1", 422, "/priorities/0/code", "json",
         json={"priorities": [{}]}, if_match=f"{P}/P-1"),
    Case("PATCH priorities [{share only}]", "PATCH", f"{P}/P-1", 422, "/priorities/0/code", "json",
         json={"priorities": [{"share": "100"}]}, if_match=f"{P}/P-1"),
    Case("PATCH priorities [null]", "PATCH", f"{P}/P-1", 422, "/priorities/0", "json", json={"priorities": [None]},
         if_match=f"{P}/P-1"),
    Case("PATCH participations [{}]", "PATCH", f"{P}/P-1", 422, "/participating_organisations/0/role", "json",
         json={"participating_organisations": [{}]}, if_match=f"{P}/P-1"),
    Case("bulk upsert priorities [{}]", "POST", BULK, 422, "/items/0/priorities/0/code", "json",
         query={"mode": "upsert"}, json={"items": [{"code": "P-1", "priorities": [{}]}]}),
    # --- integers beyond the columns: paths, bodies, queries ---------------------------------------------------
    Case("budget line id 2^31", "GET", f"{LINES}/2147483648", 404),
    Case("budget line id 10^20", "GET", f"{LINES}/99999999999999999999", 404),
    Case("PATCH budget line id 2^31", "PATCH", f"{LINES}/2147483648", 404, json={"amount": "1.00"},
         headers={"If-Match": "*"}),
    Case("DELETE budget line id 10^20", "DELETE", f"{LINES}/99999999999999999999", 404, headers={"If-Match": "*"}),
    Case("transaction id 2^31", "GET", f"{TXS}/2147483648", 404),
    Case("PATCH transaction id 10^20", "PATCH", f"{TXS}/99999999999999999999", 404, json={"amount": "1.00"},
         headers={"If-Match": "*"}),
    Case("budget line id 0", "GET", f"{LINES}/0", 404),
    Case("bulk if_match a superscript digit", "POST", BULK, 412, "/items/0/if_match", "json", query={"mode": "upsert"},
         json={"items": [{"code": "P-1", "if_match": "\u00b9"}]}),
    Case("bulk if_match 2^31", "POST", BULK, 422, "/items/0/if_match", "json", query={"mode": "upsert"},
         json={"items": [{"code": "P-1", "title": "t", "if_match": 2**31}]}),
    Case("bulk if_match 10^20", "POST", BULK, 422, "/items/0/if_match", "json", query={"mode": "upsert"},
         json={"items": [{"code": "P-1", "title": "t", "if_match": 10**20}]}),
    Case("bulk if_match -1", "POST", BULK, 422, "/items/0/if_match", "json", query={"mode": "upsert"},
         json={"items": [{"code": "P-1", "title": "t", "if_match": -1}]}),
    Case("post_emergency 10^400", "POST", P, 422, "/post_emergency", "json", content_type=JSON,
         data=raw(project_body("I-1"), "post_emergency", "1" + "0" * 400)),
    Case("post_emergency 1", "POST", P, 422, "/post_emergency", "json", json=project_body("I-1", post_emergency=1)),
    Case("page 10^20", "GET", P, 422, "/page", "query", query={"page": "99999999999999999999"}),
    Case("page 0", "GET", P, 422, "/page", "query", query={"page": "0"}),
    Case("page_size 10^20", "GET", P, 422, "/page_size", "query", query={"page_size": "99999999999999999999"}),
    Case("history page 2^31", "GET", f"{P}/P-1/history", 422, "/page", "query", query={"page": str(2**31)}),
    Case("year_from 10^20", "GET", "/api/v1/aggregates/year", 422, "/year_from", "query",
         query={"year_from": "99999999999999999999"}),
    Case("year_to -1", "GET", "/api/v1/aggregates/year", 422, "/year_to", "query", query={"year_to": "-1"}),
    Case("year_from 1e3", "GET", "/api/v1/exports/budget-lines", 422, "/year_from", "query",
         query={"year_from": "1e3"}),
    # --- decimals beyond the context ------------------------------------------------------------------------------
    Case("amount beyond the context", "POST", LINES, 422, "/amount", "json", json=line(amount=HUGE)),
    Case("fx_rate beyond the context", "POST", LINES, 422, "/fx_rate", "json",
         json=line(currency="EUR", fx_rate=HUGE)),
    Case("share beyond the context", "POST", P, 422, "/priorities/0/share", "json",
         json=project_body("X-1", priorities=[{"code": "cooperation", "share": HUGE}])),
    Case("participation share beyond the context", "PATCH", f"{P}/P-1", 422,
         "/participating_organisations/0/share", "json", if_match=f"{P}/P-1",
         json={"participating_organisations": [{"organisation": "IOM", "role": "funding", "share": HUGE}]}),
    Case("transaction amount beyond the context", "POST", TXS, 422, "/amount", "json", json=tx(amount=HUGE)),
    Case("transaction fx_rate beyond the context", "POST", TXS, 422, "/fx_rate", "json",
         json=tx(currency="GBP", fx_rate=HUGE)),
    Case("bulk transaction amount beyond the context", "POST", TX_BULK, 422, "/items/0/amount", "json",
         json={"items": [bulk_tx(amount=HUGE)]}),
    Case("PATCH line amount beyond the context", "PATCH", f"{LINES}/{{usd_line}}", 422, "/amount", "json",
         json={"amount": HUGE}, if_match=f"{LINES}/{{usd_line}}"),
    Case("amount as a JSON number 1e400", "POST", LINES, 422, "/amount", "json", content_type=JSON,
         data=raw(line(), "amount", "1e400")),
    # --- money that passes each field but overflows -------------------------------------------------------------
    Case("10^13 EUR at fx_rate 100000 (line)", "POST", LINES, 422, "/amount", "json",
         json=line(amount="10000000000000", currency="EUR", fx_rate="100000")),
    Case("10^13 EUR at fx_rate 100000 (transaction)", "POST", TXS, 422, "/amount", "json",
         json=tx(amount="10000000000000", currency="EUR", fx_rate="100000")),
    Case("10^13 EUR at fx_rate 100000 (PATCH line)", "PATCH", f"{LINES}/{{eur_line}}", 422, "/amount", "json",
         json={"amount": "10000000000000", "fx_rate": "100000"}, if_match=f"{LINES}/{{eur_line}}"),
    Case("10^13 EUR at fx_rate 100000 (bulk)", "POST", TX_BULK, 422, "/items/0/amount", "json",
         json={"items": [bulk_tx(amount="10000000000000", currency="EUR", fx_rate="100000")]}),
    Case("10^13 EUR at fx_rate 100000 (CSV)", "POST", TX_BULK, 422, "/items/0/amount", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,10000000000000,EUR,100000\n"),
    Case("an eleventh line beyond the project total", "POST", f"{P}/FULL/budget-lines", 422, "/amount", "json",
         json=line(period_start="2000-01-01", period_end="2000-12-31", amount="0.01")),
    Case("ten transactions of USD 10^12 overflow the project total", "POST", TX_BULK, 422, None, "json",
         json={"items": [bulk_tx(reference=f"BIG-{i}", amount="1000000000000.00") for i in range(11)]}),
    Case("a new bulk transaction in a currency without a rate", "POST", TX_BULK, 422, "/items/0/fx_rate", "json",
         json={"items": [bulk_tx(currency="AOA", amount="10")]}),
    Case("a line in a currency without a rate", "POST", LINES, 422, "/fx_rate", "json",
         json=line(currency="AOA", amount="10")),
    # --- dates at the edges -------------------------------------------------------------------------------------------
    Case("budget period in year 9999", "POST", LINES, 422, "/period_start", "json",
         json=line(period_start="9999-01-01", period_end="9999-12-31")),
    Case("budget period end in year 9999", "PATCH", f"{LINES}/{{usd_line}}", 422, "/period_end", "json",
         json={"period_end": "9999-12-31"}, if_match=f"{LINES}/{{usd_line}}"),
    Case("transaction in year 0001", "POST", TXS, 422, "/date", "json", json=tx(date="0001-01-01")),
    Case("project start in year 9999", "POST", P, 422, "/start_date", "json",
         json=project_body("E-1", start_date="9999-12-31")),
    Case("updated_since at the edge on /projects", "GET", P, 422, "/updated_since", "query",
         query={"updated_since": EDGE}),
    Case("since at the edge on /sync/deleted-projects", "GET", "/api/v1/sync/deleted-projects", 422, "/since",
         "query", query={"since": EDGE}),
    Case("updated_since at the edge on an aggregate", "GET", "/api/v1/aggregates/region", 422, "/updated_since",
         "query", query={"updated_since": EDGE}),
    Case("updated_since at the edge on the cross-tab", "GET", "/api/v1/aggregates/region-priority", 422,
         "/updated_since", "query", query={"updated_since": EDGE}),
    Case("updated_since at the edge on a CSV aggregate", "GET", "/api/v1/aggregates/donor.csv", 422,
         "/updated_since", "query", query={"updated_since": EDGE}),
    Case("updated_since at the edge on an XLSX aggregate", "GET", "/api/v1/aggregates/year.xlsx", 422,
         "/updated_since", "query", query={"updated_since": EDGE}),
    Case("updated_since at the far edge on the summary", "GET", "/api/v1/portfolio/summary", 422,
         "/updated_since", "query", query={"updated_since": "9999-12-31T23:59:59-14:00"}),
    Case("updated_since at the edge on an export", "GET", "/api/v1/exports/budget-lines", 422, "/updated_since",
         "query", query={"updated_since": EDGE}),
    # --- hand-made keyset cursors ---------------------------------------------------------------------------------
    Case("cursor: budget 'abc'", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", "abc", 1)}),
    Case("cursor: budget '1e5'", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", "1e5", 1)}),
    Case("cursor: budget 'NaN'", "GET", P, 422, "/cursor", "query",
         query={"sort": "-budget", "cursor": cursor("prev", "-budget", "NaN", 1)}),
    Case("cursor: budget 'Infinity'", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", "Infinity", 1)}),
    Case("cursor: budget '-1.00'", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", "-1.00", 1)}),
    Case("cursor: budget as a JSON number", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", 5, 1)}),
    Case("cursor: budget 10^20", "GET", P, 422, "/cursor", "query",
         query={"sort": "budget", "cursor": cursor("next", "budget", "100000000000000000000.00", 1)}),
    Case("cursor: start_date 'x'", "GET", P, 422, "/cursor", "query",
         query={"sort": "start_date", "cursor": cursor("next", "start_date", "x", 1)}),
    Case("cursor: updated_at without offset", "GET", P, 422, "/cursor", "query",
         query={"sort": "updated_at", "cursor": cursor("next", "updated_at", "2004-01-01T00:00:00", 1)}),
    Case("cursor: updated_at at the edge", "GET", P, 422, "/cursor", "query",
         query={"sort": "updated_at", "cursor": cursor("next", "updated_at", EDGE, 1)}),
    Case("cursor: id as a string", "GET", P, 422, "/cursor", "query",
         query={"sort": "code", "cursor": cursor("next", "code", "P-1", "1")}),
    Case("cursor: id 2^31", "GET", P, 422, "/cursor", "query",
         query={"sort": "code", "cursor": cursor("next", "code", "P-1", 2**31)}),
    Case("cursor: another sort", "GET", P, 422, "/cursor", "query",
         query={"sort": "code", "cursor": cursor("next", "title", "p", 1)}),
    Case("cursor: not base64 JSON", "GET", P, 422, "/cursor", "query", query={"sort": "code", "cursor": "!!!"}),
    Case("cursor: NUL in a title", "GET", P, 422, "/cursor", "query",
         query={"sort": "title", "cursor": cursor("next", "title", "a\x00", 1)}),
    # --- one grammar: amounts, dates, currencies ------------------------------------------------------------------
    *[Case(f"amount {value!r}", "POST", LINES, 422, "/amount", "json", json=line(amount=value))
      for value in ("1_000", "5e2", " 5 ", "1e3", "-1", "+1", "NaN", "1.", ".5", "1,5", "\uff11")],
    *[Case(f"transaction amount {value!r}", "POST", TXS, 422, "/amount", "json", json=tx(amount=value))
      for value in ("1_000", "5e2", " 5 ")],
    Case("amount as a JSON number", "POST", LINES, 422, "/amount", "json", json=line(amount=5)),
    *[Case(f"period_start {value!r}", "POST", LINES, 422, "/period_start", "json", json=line(period_start=value))
      for value in ("20040301", "2004-W10-1", "2004-060", "2004-02-30", "2004-01-01T00:00:00")],
    *[Case(f"transaction date {value!r}", "POST", TXS, 422, "/date", "json", json=tx(date=value))
      for value in ("20040301", "2004-W10-1")],
    Case("project start_date '2004-W10-1'", "POST", P, 422, "/start_date", "json",
         json=project_body("G-1", start_date="2004-W10-1")),
    Case("fx_value_date '20040301'", "POST", LINES, 422, "/fx_value_date", "json",
         json=line(currency="EUR", fx_rate="1.1", fx_value_date="20040301")),
    Case("currency XXX", "POST", LINES, 422, "/currency", "json", json=line(currency="XXX", fx_rate="1")),
    Case("currency XTS", "POST", TXS, 422, "/currency", "json", json=tx(currency="XTS", fx_rate="1")),
    Case("currency 'US'", "POST", LINES, 422, "/currency", "json", json=line(currency="US")),
    Case("JPY 1000000.01", "POST", LINES, 422, "/amount", "json",
         json=line(amount="1000000.01", currency="JPY", fx_rate="0.009")),
    Case("USD 1.001", "POST", TXS, 422, "/amount", "json", json=tx(amount="1.001")),
    Case("PATCH fx_rate on a USD line", "PATCH", f"{LINES}/{{usd_line}}", 422, "/fx_rate", "json",
         json={"fx_rate": "1.2"}, if_match=f"{LINES}/{{usd_line}}"),
    Case("PATCH fx_value_date on a USD line", "PATCH", f"{LINES}/{{usd_line}}", 422, "/fx_value_date", "json",
         json={"fx_value_date": "2003-01-01"}, if_match=f"{LINES}/{{usd_line}}"),
    Case("PATCH fx_rate on a USD transaction", "PATCH", f"{TXS}/{{tx}}", 422, "/fx_rate", "json",
         json={"fx_rate": "1.2"}, if_match=f"{TXS}/{{tx}}"),
    Case("POST a USD line with fx_rate", "POST", LINES, 422, "/fx_rate", "json", json=line(fx_rate="1.0")),
    Case("share '33.333'", "POST", P, 422, "/priorities/0/share", "json",
         json=project_body("G-2", priorities=[{"code": "cooperation", "share": "33.333"}])),
    # --- CSV layouts ----------------------------------------------------------------------------------------------
    Case("project CSV with a duplicated header column", "POST", BULK, 422, "/columns/title", "csv",
         content_type=CSV, data="code,title,region,title\nB-1,a,europe,b\n"),
    Case("transaction CSV with a duplicated header column", "POST", TX_BULK, 422, "/columns/amount", "csv",
         content_type=CSV,
         data="project,reference,type,date,amount,currency,amount\nP-1,R,expenditure,2005-01-01,1,USD,2\n"),
    Case("project CSV with an unknown column", "POST", BULK, 422, "/columns/budget", "csv", content_type=CSV,
         data="code,title,region,budget\nB-1,a,europe,5\n"),
    Case("project CSV without the code column", "POST", BULK, 422, "/columns/code", "csv", content_type=CSV,
         data="title,region\na,europe\n"),
    Case("project CSV row with more cells than columns", "POST", BULK, 422, "/items/0", "csv", content_type=CSV,
         data=PROJECT_CSV_HEAD + "B-1,a,europe,cooperation,extra\n"),
    Case("project CSV start_date '20040301'", "POST", BULK, 422, "/items/0/start_date", "csv", content_type=CSV,
         data="code,title,region,priorities,start_date\nB-1,a,europe,cooperation,20040301\n"),
    Case("project CSV share '1e3'", "POST", BULK, 422, "/items/0/priorities/0/share", "csv", content_type=CSV,
         data=PROJECT_CSV_HEAD + "B-1,a,europe,cooperation:1e3\n"),
    Case("project CSV post_emergency 'maybe'", "POST", BULK, 422, "/items/0/post_emergency", "csv",
         content_type=CSV, data="code,title,region,priorities,post_emergency\nB-1,a,europe,cooperation,maybe\n"),
    Case("project CSV that is not UTF-8", "POST", BULK, 422, "/", "csv", content_type=CSV,
         data=(PROJECT_CSV_HEAD + "B-1,caf").encode() + b"\xe9,europe,cooperation\n"),
    Case("transaction CSV amount '1_000'", "POST", TX_BULK, 422, "/items/0/amount", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,1_000,USD,\n"),
    Case("transaction CSV date '2004-W10-1'", "POST", TX_BULK, 422, "/items/0/date", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2004-W10-1,1.00,USD,\n"),
    Case("transaction CSV currency XXX", "POST", TX_BULK, 422, "/items/0/currency", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,1.00,XXX,1\n"),
    Case("transaction CSV JPY 1000000.01", "POST", TX_BULK, 422, "/items/0/amount", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,1000000.01,JPY,0.009\n"),
    Case("transaction CSV fx_rate on USD", "POST", TX_BULK, 422, "/items/0/fx_rate", "csv", content_type=CSV,
         data=TX_CSV_HEAD + "P-1,R-1,expenditure,2005-01-01,1.00,USD,1.5\n"),
    Case("multipart without the file field", "POST", TX_BULK, 422, "/file", "files",
         content_type="multipart/form-data", data={"other": (TX_CSV_HEAD, "t.csv")}),
    # --- codes with a trailing newline, and other code grammar ----------------------------------------------------
    Case("project code 'RB-NL\\n'", "POST", P, 422, "/code", "json", json=project_body("RB-NL\n")),
    Case("project code 'RB-NL\\r\\n'", "POST", P, 422, "/code", "json", json=project_body("RB-NL\r\n")),
    Case("project code 'bulk'", "POST", P, 422, "/code", "json", json=project_body("bulk")),
    Case("bulk JSON code 'RB-NL\\n'", "POST", BULK, 422, "/items/0/code", "json",
         json={"items": [project_body("RB-NL\n")]}),
    Case("project CSV code 'RB-NL\\n' (quoted)", "POST", BULK, 422, "/items/0/code", "csv", content_type=CSV,
         data=PROJECT_CSV_HEAD + '"RB-NL\n",a,europe,cooperation\n'),
    Case("transaction reference 'R\\n'", "POST", TXS, 422, "/reference", "json", json=tx(reference="R\n")),
    Case("organisation code 'ORG\\n'", "POST", ORGS, 422, "/code", "json", json=org(code="ORG\n")),
    Case("organisation code in lower case", "POST", ORGS, 422, "/code", "json", json=org(code="org")),
    Case("organisation IATI identifier with a newline", "POST", ORGS, 422, "/iati_identifier", "json",
         json=org(iati_identifier="XM-DAC-1\n")),
    Case("bulk project code as a list", "POST", BULK, 422, "/items/0/code", "json", query={"mode": "upsert"},
         json={"items": [{"code": ["P-1"], "title": "t"}]}),
    Case("bulk transaction project as an object", "POST", TX_BULK, 422, "/items/0/project", "json",
         json={"items": [{**bulk_tx(), "project": {"code": "P-1"}}]}),
    # --- unknown, listed and repeated parameters, unknown codes ---------------------------------------------------
    Case("region=mars", "GET", P, 422, "/region", "query", query={"region": "mars"}),
    Case("region=europe,americas", "GET", P, 422, "/region", "query", query={"region": "europe,americas"}),
    Case("region repeated", "GET", P, 422, "/region", "query", query={"region": ["europe", "americas"]}),
    Case("an unknown parameter", "GET", P, 422, "/foo", "query", query={"foo": "1"}),
    Case("an unknown parameter on an aggregate", "GET", "/api/v1/aggregates/region", 422, "/sort", "query",
         query={"sort": "title"}),
    Case("country=ZZ on an aggregate", "GET", "/api/v1/aggregates/priority", 422, "/country", "query",
         query={"country": "ZZ"}),
    Case("priority=mars on the CSV aggregate", "GET", "/api/v1/aggregates/region.csv", 422, "/priority", "query",
         query={"priority": "mars"}),
    Case("donor=NOPE on the export", "GET", "/api/v1/exports/budget-lines", 422, "/donor", "query",
         query={"donor": "NOPE"}),
    Case("status repeated on the XLSX aggregate", "GET", "/api/v1/aggregates/status.xlsx", 422, "/status", "query",
         query={"status": ["pipeline", "closed"]}),
    Case("kind=moon on the RCPs", "GET", "/api/v1/rcps", 422, "/kind", "query", query={"kind": "moon"}),
    Case("mode=merge on bulk", "POST", BULK, 422, "/mode", "query", query={"mode": "merge"},
         json={"items": [project_body("B-1")]}),
    Case("an unknown parameter on a write", "POST", LINES, 422, "/dry_run", "query", query={"dry_run": "1"},
         json=line()),
    Case("unknown region in a project", "POST", P, 422, "/region", "json", json=project_body("U-1", region="mars")),
    Case("unknown donor on a line", "POST", LINES, 422, "/donor", "json", json=line(donor="NOPE")),
    Case("unknown provider on a transaction", "POST", TXS, 422, "/provider", "json", json=tx(provider="NOPE")),
    Case("unknown project in a bulk transaction", "POST", TX_BULK, 422, "/items/0/project", "json",
         json={"items": [bulk_tx(project="NOPE")]}),
    Case("unknown country of an organisation", "POST", ORGS, 422, "/country", "json", json=org(country="ZZ")),
    Case("a bulk of 300 rows of unknown codes", "POST", BULK, 422, "/items/299/region", "json",
         json={"items": [project_body(f"UC-{i}", region=f"mars-{i}", countries=["ZZ"]) for i in range(300)]}),
    Case("an unknown field in a project", "POST", P, 422, "/budget", "json", json=project_body("U-2", budget="5")),
    Case("an unknown field in a line PATCH", "PATCH", f"{LINES}/{{usd_line}}", 422, "/usd_amount", "json",
         json={"usd_amount": "5.00"}, if_match=f"{LINES}/{{usd_line}}"),
    Case("a duplicated transaction reference", "POST", TXS, 422, "/reference", "json", json=tx(reference="T-1")),
    Case("organisation type 99", "POST", ORGS, 422, "/type", "json", json=org(type="99")),
    Case("an existing organisation code", "POST", ORGS, 409, "/code", "json", json=org(code="IOM")),
    Case("an existing project code", "POST", P, 409, "/code", "json", json=project_body("P-1")),
]


def _all_rows(app) -> dict:
    """Every table's rows (sorted), as one digest per table, and the audit events' count."""
    with app.app_context():
        try:
            names = sorted(inspect(db.engine).get_table_names())
            digests = {}
            for name in names:
                rows = db.session.execute(select(text("*")).select_from(table(name))).all()
                digests[name] = (len(rows), hashlib.sha256(
                    repr(sorted(repr(tuple(row)) for row in rows)).encode()).hexdigest())
            return digests
        finally:
            db.session.remove()


def _state(app, client) -> tuple:
    with app.app_context():
        try:
            drift = differences()
        finally:
            db.session.remove()
    return _all_rows(app), drift, *_answers(client)


def _answers(client) -> tuple:
    """What the API answers about the whole portfolio: three aggregates' totals and the summary."""
    totals = {dim: client.get(f"/api/v1/aggregates/{dim}").json["total"] for dim in ("region", "donor", "year")}
    return totals, client.get("/api/v1/portfolio/summary").json


@pytest.fixture
def world(client, stored_state):
    """P-1 with a USD and a EUR line and a transaction; FULL with ten lines of USD 10^12 (the project maximum)."""
    def build():
        create_project(client, "P-1")
        add_line(client, "P-1", amount="1000.00", donor="IOM")
        add_line(client, "P-1", period_start="2004-01-01", period_end="2004-12-31", amount="500.00", currency="EUR",
                 fx_rate="1.2")
        response = client.post(TXS, json=tx(reference="T-1", date="2003-03-01"))
        assert response.status_code == 201, response.json
        create_project(client, "FULL")
        for year in range(1990, 2000):
            add_line(client, "FULL", period_start=f"{year}-01-01", period_end=f"{year}-12-31",
                     amount="1000000000000.00")

    stored_state("hostile-world", build)
    lines = {row["currency"]: row["id"] for row in client.get(LINES).json}
    return {"usd_line": lines["USD"], "eur_line": lines["EUR"], "tx": client.get(TXS).json[0]["id"]}


_BEFORE: dict = {}


@pytest.fixture
def before(app, client, world):
    """The state every case starts from, computed once: each case starts from the same stored snapshot
    (`stored_state`), restored whole (TEST_VERIFY_RESTORE=1 checks each restore against it), so computing it
    for each of the 200 cases only computed the same answer again."""
    if id(app) not in _BEFORE:
        state = _state(app, client)
        assert state[1] == [], "the rollups must match before the cases run"
        _BEFORE[id(app)] = state
    return _BEFORE[id(app)]


def test_the_table_is_large_and_covers_every_kind():
    assert len(CASES) >= 100, len(CASES)
    labels = [case.label for case in CASES]
    assert len(labels) == len(set(labels)), "labels name the cases: keep them unique"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_input_is_refused_and_changes_nothing(app, client, world, before, case):
    path = case.path.format(**world)
    headers = dict(case.headers)
    if case.if_match:
        etag = client.get(case.if_match.format(**world)).headers["ETag"]
        headers["If-Match"] = etag

    kwargs = {"headers": headers, "query_string": case.query}
    if case.json is not None:
        kwargs["json"] = case.json
    elif isinstance(case.data, dict):  # a multipart form: the client writes the boundary
        kwargs["data"] = {name: (io.BytesIO(content.encode()), filename)
                          for name, (content, filename) in case.data.items()}
    elif case.data is not None:
        kwargs["data"] = case.data
        kwargs["content_type"] = case.content_type
    response = client.open(path, method=case.method, **kwargs)

    assert response.status_code == case.status, response.get_data(as_text=True)[:2000]
    assert 400 <= response.status_code < 500
    assert response.content_type == "application/problem+json", response.content_type
    problem = response.json
    assert {"type", "title", "status", "detail"} <= set(problem), problem
    assert problem["status"] == response.status_code
    assert all(isinstance(problem[k], str) and problem[k] for k in ("type", "title", "detail")), problem
    if case.location is not None:
        errors = problem.get("errors", [])
        assert errors, problem
        assert all({"pointer", "location", "message"} <= set(e) for e in errors), errors
        assert any(e["location"] == case.location and (case.pointer is None or e["pointer"] == case.pointer)
                   for e in errors), (case.pointer, case.location, errors)

    # Every row of every table as it was: the rollups then equal a fresh computation, as they did before (`before`
    # checks that once; rollups.differences() reads nothing but these rows, so running it again here could only
    # give the same answer: it is run only to say what drifted when a row changed).
    rows = _all_rows(app)
    if rows != before[0]:
        with app.app_context():
            try:
                drift = differences()
            finally:
                db.session.remove()
        raise AssertionError(([name for name in before[0] if rows.get(name) != before[0][name]], drift[:20]))
    assert _answers(client) == before[2:]
