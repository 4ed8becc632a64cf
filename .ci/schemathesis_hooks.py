"""Schemathesis hooks for .ci/schemathesis (loaded through schemathesis.toml), so that the fuzzer reaches the write
logic instead of the 422 that a random code gets.

1. Vocabularies from the live API. Every code that must exist in a vocabulary carries `x-vocabulary` in the
   OpenAPI document (the list's URL: /api/v1/regions, /api/v1/countries, /api/v1/organisations, ...). Before the
   schema is used, each such schema gets an `enum` of the codes the server holds (read once, with the run's
   token), so positive cases use real codes; negative cases still send everything else. Currencies get the
   ISO 4217 codes the server takes (portfolio.rules).
2. Domain rules OpenAPI 3.0 cannot state, kept by positive cases only (negative ones are left alone): priority
   and organisation shares are left out (the server splits equally; random shares never sum to 100), a list
   holds each code once, an end date is not before its start, a budget period is at most a year, an amount
   has its currency's places, a USD amount has no rate and any other one states it, a revision is an original.
   The server's checks of these rules have their own tests (tests/test_hostile_inputs.py and others).
   Generated codes and references get a serial suffix (Hypothesis draws "0" again and again: 409s and
   duplicates). CSV uploads stay as generated (random bytes, as `format: binary` allows: Schemathesis
   revalidates a body a hook rewrote, and takes a CSV it cannot check for a negative case).
3. Targets that exist. A positive case of a write under /projects/{code} (or an organisation's) names an
   existing project (its line or transaction), and an update sends the If-Match of what it changes, read just
   before: the write logic runs instead of a 404 or a 412. Deletions are left as generated (with a valid
   If-Match they would empty the database the rest of the run fuzzes); their refusals are tested elsewhere.

4. The stateful phase follows the contract's OpenAPI links (api/contract.py add_links: a 201 leads to the
   operations on what it created, with its ETag as If-Match). A stateful write on a resource that exists keeps
   the path its link gave, with the resource's current If-Match; a deletion only of what this run created
   (after_call records every 201) or of a record.
5. Nothing a case sends may end the run itself: DELETE /tokens/{the run's token} is sent for another name
   (Schemathesis reuses names that GET /tokens answered: the token was revoked mid-run and every later
   request was a 401). A positive case's Idempotency-Key is made unique (a repeated key with another body is
   a 422 by design). Crossed aggregates in positive cases ask questions the figures hold.

TCM_API_URL, TCM_API_TOKEN and TCM_API_TOKEN_NAME (set by .ci/schemathesis) say where the vocabularies are
read and which token is the run's; TCM_HOOK_REFUSALS names a file where every refused positive write is
logged with the server's reasons (to tune these hooks).
"""
import json
import os
import random
import re
import urllib.request
from datetime import date, timedelta

import schemathesis

BASE = os.environ.get("TCM_API_URL", "http://127.0.0.1:5099")
TOKEN = os.environ.get("TCM_API_TOKEN", "")
PAGINATED = {"/api/v1/organisations", "/api/v1/projects"}
CURRENCIES = ["USD", "EUR", "GBP", "CHF", "JPY", "KWD"]
PLACES = {"JPY": 0, "KWD": 3}
# The hooks' own random numbers: Hypothesis seeds the global `random` afresh for every test case, so every case drew
# the same period, project and date (about 1 in 3 positive budget lines overlapped a line an earlier case had made).
RANDOM = random.Random(os.urandom(16))


def _get(path: str):
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def _codes(path: str) -> list[str]:
    if path not in PAGINATED:
        return sorted({item["code"] for item in _get(path)})
    codes, page = [], 1
    while page <= 5:  # up to 1,000 codes is plenty of choice
        batch = _get(f"{path}?page={page}&page_size=200")
        codes += [item["code"] for item in batch]
        if len(batch) < 200:
            break
        page += 1
    return sorted(set(codes))


def _walk(node, found: list) -> None:
    if isinstance(node, dict):
        if "x-vocabulary" in node:
            found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


@schemathesis.hook
def before_load_schema(context, raw_schema: dict) -> None:
    nodes: list[dict] = []
    _walk(raw_schema, nodes)
    vocabularies: dict[str, list[str]] = {}
    for node in nodes:
        path = node["x-vocabulary"]
        if path not in vocabularies:
            vocabularies[path] = _codes(path)
        target = node["schema"] if isinstance(node.get("schema"), dict) else node  # a parameter, or a schema
        target["enum"] = vocabularies[path]
        target.pop("pattern", None)
    print(f"Schemathesis hooks: real codes for {len(nodes)} fields from "
          + ", ".join(f"{path} ({len(codes)})" for path, codes in sorted(vocabularies.items())), flush=True)
    _walk_currencies(raw_schema)


def _walk_currencies(node) -> None:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "currency" and isinstance(value, dict) and value.get("pattern") == "^[A-Za-z]{3}$":
                value["enum"] = CURRENCIES
                value.pop("pattern")
            else:
                _walk_currencies(value)
    elif isinstance(node, list):
        for value in node:
            _walk_currencies(value)


def _positive(case) -> bool:
    """A case positive in every part: a negative body, query, header or path is left exactly as generated."""
    meta = getattr(case, "meta", None)
    return (meta is not None and not meta.generation.mode.is_negative
            and not any(info.mode.is_negative for info in meta.components.values()))


def _date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _unique(values: list, key=lambda v: v) -> list:
    seen, out = set(), []
    for value in values:
        marker = json.dumps(key(value), sort_keys=True, default=str)
        if marker not in seen:
            seen.add(marker)
            out.append(value)
    return out


_SERIAL = iter(range(1, 10**9))
DATE_FIELDS = ("start_date", "end_date", "period_start", "period_end", "date", "fx_value_date")


def _unique_code(code, limit: int, upper: bool = False) -> str:
    """A generated code made unique for the run (Hypothesis draws "0" and "b" again and again: 409s)."""
    suffix = f"-{next(_SERIAL)}"
    base = re.sub(r"(-[0-9]+)+$", "", code) if isinstance(code, str) else ""  # a case mapped again: one suffix
    base = base or "F"
    return (base[:limit - len(suffix)] + suffix).upper() if upper else base[:limit - len(suffix)] + suffix


def _dates(body: dict) -> None:
    """Dates within 1900-2199 that exist (the pattern lets through 0074-07-02 and 2004-02-30)."""
    for name in DATE_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            parsed = _date(value)
            if parsed is None or not 1900 <= parsed.year <= 2199:
                # Shrunk draws all become 0000-00-00: a random year, or every line would overlap the last one.
                body[name] = f"{RANDOM.randint(1900, 2198)}-{RANDOM.randint(1, 12):02d}-01"


def _money(body: dict) -> None:
    currency = body.get("currency")
    if not isinstance(currency, str):
        # A change that keeps the record's currency (unknown here, maybe USD): no rate of its own.
        body.pop("fx_rate", None)
        body.pop("fx_value_date", None)
        return
    amount = body.get("amount")
    if isinstance(amount, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", amount):
        whole, _, fraction = amount.partition(".")
        places = PLACES.get(currency, 2)
        body["amount"] = whole + (f".{fraction[:places]}" if places and fraction else "")
    if currency == "USD":
        body.pop("fx_rate", None)
        body.pop("fx_value_date", None)
    elif not (isinstance(body.get("fx_rate"), str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", body["fx_rate"])
              and 0 < float(body["fx_rate"]) <= 100000):
        body["fx_rate"] = "1.25"  # a rate is more than 0 and at most 100,000 (the pattern allows 0 and 999999)
    amount = body.get("amount")
    if isinstance(amount, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", amount):
        rate = float(body["fx_rate"]) if currency != "USD" else 1.0
        if float(amount) * rate > MAX_USD:  # one amount is worth at most USD 1,000,000,000,000 (portfolio/money.py)
            whole, dot, fraction = amount.partition(".")
            body["amount"] = str(int(whole) % 10**6) + dot + fraction


MAX_USD = 10**12  # portfolio/money.py MAX_USD


def _project(body: dict, new: bool = False) -> None:
    _dates(body)
    body.pop("if_match", None)  # a random version: the whole request would be a 412
    if new:
        body.setdefault("title", "Fuzzed project")
        body.setdefault("region", "europe")
        body.setdefault("priorities", [{"code": "cooperation"}])
    for name in ("countries", "activity_types", "rcps"):
        if isinstance(body.get(name), list):
            body[name] = _unique(body[name])
    if isinstance(body.get("priorities"), list):
        body["priorities"] = _unique([{"code": p["code"]} for p in body["priorities"] if isinstance(p, dict)
                                      and "code" in p], key=lambda p: p["code"])
    if isinstance(body.get("participating_organisations"), list):
        body["participating_organisations"] = _unique(
            [{k: v for k, v in p.items() if k != "share"} for p in body["participating_organisations"]
             if isinstance(p, dict)], key=lambda p: (p.get("organisation"), p.get("role")))
    start, end = _date(body.get("start_date")), _date(body.get("end_date"))
    if start and end and end < start:
        body["start_date"], body["end_date"] = body["end_date"], body["start_date"]


def _line(body: dict) -> None:
    _dates(body)
    _money(body)
    if "period_start" in body:  # Hypothesis repeats a few periods: a second original line of one period overlaps
        body["period_start"] = f"{RANDOM.randint(1900, 2198)}-{RANDOM.randint(1, 12):02d}-01"
        if "period_end" in body:
            start = date.fromisoformat(body["period_start"])
            body["period_end"] = (start + timedelta(days=RANDOM.randint(0, 364))).isoformat()
    start, end = _date(body.get("period_start")), _date(body.get("period_end"))
    if start and end and not start <= end < start + timedelta(days=365):
        body["period_end"] = min(start + timedelta(days=364), date(2199, 12, 31)).isoformat()
    if body.get("type") == "revised":
        body["type"] = "original"


def _period_of_line(case, body: dict) -> None:
    """A positive change of one end of a line's period keeps the period valid with the other end it has (read
    now): not before its start, at most a year."""
    if ("period_start" in body) == ("period_end" in body):
        return
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    try:
        line = _get(case.operation.path.format(**parameters))
        start, end = date.fromisoformat(line["period_start"]), date.fromisoformat(line["period_end"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return
    if "period_end" in body:
        body["period_end"] = min(start + timedelta(days=RANDOM.randint(0, 364)), date(2199, 12, 31)).isoformat()
    else:
        body["period_start"] = max(end - timedelta(days=RANDOM.randint(0, 364)), date(1900, 1, 1)).isoformat()


_CACHE: dict[str, tuple[float, list]] = {}
RECORDS = {"line_id": "budget-lines", "transaction_id": "transactions"}


def _cached(path: str, read, seconds: float = 30.0) -> list:
    import time

    stamp, value = _CACHE.get(path, (0.0, []))
    if time.time() - stamp > seconds or not value:
        try:
            value = read()
        except OSError:
            value = []
        _CACHE[path] = (time.time(), value)
    return value


def _etag(path: str) -> str | None:
    request = urllib.request.Request(BASE + path, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.headers.get("ETag") or ""  # "": it exists, unversioned
    except OSError:
        return None


# What the run itself created (201 answers, read by after_call): a step that follows a link names one of these.
CREATED: set[tuple[str, str]] = set()
CREATORS = {"/api/v1/projects": "/api/v1/projects", "/api/v1/organisations": "/api/v1/organisations"}


def _stateful(case) -> bool:
    return _phase(case) == "stateful"


def _linked(case, kind: str, template: str, parameters: dict, method: str) -> bool:
    """A stateful step on a resource that exists (a link's target: what this run created, or what a read
    answered): it keeps its path, with the resource's current If-Match, so the step is the one the link
    describes and the write logic runs. A deletion only of what this run created (or of one of its records),
    never of the demo data the rest of the run fuzzes."""
    if not _stateful(case):
        return False
    try:
        path = template.format(**parameters)
    except (KeyError, IndexError, ValueError):
        return False
    if method == "DELETE" and (kind, parameters.get("code")) not in CREATED and not set(RECORDS) & set(parameters):
        return False
    etag = _etag(path)
    record = next((name for name in RECORDS if name in parameters), None)
    if etag is None and record is not None:
        # The link named the project (an inferred one names no record, or one of another project): one of its own
        # records, read now (one deleted a step ago is a 404).
        listed = f"/api/v1/projects/{parameters.get('code')}/{RECORDS[record]}"
        try:
            ids = [item["id"] for item in _get(listed + "?page_size=200")]
        except (OSError, ValueError, KeyError, TypeError):
            ids = []
        if ids:
            parameters[record] = RANDOM.choice(ids)
            etag = _etag(template.format(**parameters))
    if etag is None:
        return False
    if etag and method in ("PATCH", "PUT", "DELETE"):
        case.headers = {**(case.headers or {}), "If-Match": etag}
    return True


REFUSALS = os.environ.get("TCM_HOOK_REFUSALS")  # a file: every positive write refused, why (for tuning these hooks)


def _log_refusal(case, response) -> None:
    if not REFUSALS or not _positive(case) or case.operation.method.upper() not in ("POST", "PUT", "PATCH", "DELETE") \
            or response.status_code < 400:
        return
    try:
        answer = response.json()
        why = [(e.get("pointer"), e.get("message", "")[:80]) for e in answer.get("errors", [])[:3]] or \
            answer.get("detail", "")[:120]
    except (ValueError, AttributeError):
        why = response.text[:120]
    with open(REFUSALS, "a", encoding="utf-8") as out:
        out.write(json.dumps([_phase(case), case.operation.method.upper(), case.operation.path,
                              response.status_code, why], default=str) + "\n")


def _phase(case) -> str:
    meta = getattr(case, "meta", None)
    return str(getattr(getattr(meta, "phase", None), "name", "")) if meta is not None else ""


@schemathesis.hook
def before_call(context, case, kwargs) -> None:
    """Right before each request, a positive update of a resource that exists sends its current ETag: a case
    may be sent more than once (the coverage phase sent positive updates twice, the second a 412 with the
    If-Match the first had made stale, about 250 of them in a full run)."""
    from requests.structures import CaseInsensitiveDict

    if case.operation.method.upper() not in ("PATCH", "PUT") or not _positive(case) or not case.headers:
        return
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else None
    if not parameters or not case.headers.get("If-Match"):
        return
    try:
        path = case.operation.path.format(**parameters)
    except (KeyError, IndexError, ValueError):
        return
    etag = _etag(path)
    if etag and etag != case.headers.get("If-Match"):
        headers = CaseInsensitiveDict(case.headers)
        headers["If-Match"] = etag
        case.headers = headers


@schemathesis.hook
def after_call(context, case, response) -> None:
    _log_refusal(case, response)
    if response.status_code != 201:
        return
    path = case.operation.path
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    try:
        answer = response.json()
    except ValueError:
        return
    if not isinstance(answer, dict):
        return
    if path in CREATORS and isinstance(answer.get("code"), str):
        CREATED.add((CREATORS[path], answer["code"]))
    for name, records in RECORDS.items():
        if path == f"/api/v1/projects/{{code}}/{records}" and isinstance(answer.get("id"), int) \
                and isinstance(parameters.get("code"), str):
            CREATED_RECORDS.setdefault(name, []).append((parameters["code"], answer["id"]))


# Budget lines and transactions the run created (after_call), by path parameter: what a positive deletion removes.
CREATED_RECORDS: dict[str, list[tuple[str, int]]] = {}


def _created_target(case, kind: str, parameters: dict) -> None:
    """A positive deletion (outside the stateful phase) removes something this run created, with its current
    If-Match: a random code or id is a 404, and the demo data the run fuzzes stays."""
    record = next((name for name in RECORDS if name in parameters), None)
    if record is not None:
        pool = CREATED_RECORDS.get(record, [])
        if not pool:
            return
        parameters["code"], parameters[record] = pool.pop(RANDOM.randrange(len(pool)))
    else:
        codes = sorted(code for created_kind, code in CREATED if created_kind == kind)
        if not codes:
            return
        parameters["code"] = RANDOM.choice(codes)
        CREATED.discard((kind, parameters["code"]))
    etag = _etag(case.operation.path.format(**parameters))
    if etag:
        case.headers = {**(case.headers or {}), "If-Match": etag}


def _existing_target(case) -> None:
    """Point a positive write at something that exists, with its current If-Match."""
    template, method = case.operation.path, case.operation.method.upper()
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else None
    if parameters is None or "code" not in parameters:
        return
    kind = "/api/v1/organisations" if template.startswith("/api/v1/organisations/") else "/api/v1/projects"
    if _linked(case, kind, template, parameters, method):
        return
    if method == "DELETE":
        if not _stateful(case):
            _created_target(case, kind, parameters)
        return
    codes = _cached(kind, lambda: _codes(kind))
    if not codes:
        return
    parameters["code"] = RANDOM.choice(codes)
    for name, records in RECORDS.items():
        if name in parameters:
            # A project that has such records (many have none: the case was sent without an If-Match, a 428), and
            # one of them that still exists (a listing read up to 30 s ago may name one deleted since: read again).
            for code in [parameters["code"], *RANDOM.sample(codes, min(8, len(codes)))]:
                listed = f"/api/v1/projects/{code}/{records}"
                ids = _cached(listed, lambda listed=listed: [item["id"] for item in _get(listed + "?page_size=200")])
                if ids:
                    parameters["code"], parameters[name] = code, RANDOM.choice(ids)
                    if _etag(template.format(**parameters)) is None:
                        _CACHE.pop(listed, None)
                        continue
                    break
            else:
                return
    if method in ("PATCH", "PUT"):
        etag = _etag(template.format(**parameters))
        if etag:
            case.headers = {**(case.headers or {}), "If-Match": etag}


# The run's own token (.ci/schemathesis creates it): GET /tokens lists its name, Schemathesis reuses values it
# saw in answers, and a DELETE /tokens/schemathesis revoked it mid-run: every later request was a 401 (the
# stateful phase covered no link at all). Any case, positive or negative, names another token instead.
RUN_TOKEN_NAME = os.environ.get("TCM_API_TOKEN_NAME", "schemathesis")


def _spare_the_run_token(case) -> None:
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    if (case.operation.path == "/api/v1/tokens/{name}" and case.operation.method.upper() == "DELETE"
            and str(parameters.get("name", "")).strip().lower() == RUN_TOKEN_NAME.lower()):
        parameters["name"] = f"not-{RUN_TOKEN_NAME}"


def _fresh_idempotency_key(case) -> None:
    """Hypothesis draws the same few Idempotency-Keys ("0", "00") again and again: every later request with
    another body was a 422 "This Idempotency-Key was already used" (9 in 10 of the bulk uploads). A positive
    case keeps its key but made unique for the run."""
    headers = case.headers  # a requests CaseInsensitiveDict, not a dict
    key = headers.get("Idempotency-Key") if headers else None
    if isinstance(key, str):
        case.headers = {**headers, "Idempotency-Key": f"{key.strip()[:200]}-{next(_SERIAL)}".lstrip("-")}


def _existing_project_row(item: dict, path: str) -> None:
    """A bulk row names an existing project (and, for a budget line, one of its lines: line_id is required)."""
    codes = _cached("/api/v1/projects", lambda: _codes("/api/v1/projects"))
    if not codes:
        return
    item["project"] = RANDOM.choice(codes)
    if "line_id" in item and path.startswith("/api/v1/budget-lines"):
        for code in [item["project"], *RANDOM.sample(codes, min(8, len(codes)))]:  # one that has lines
            listed = f"/api/v1/projects/{code}/budget-lines"
            ids = _cached(listed, lambda listed=listed: [line["id"] for line in _get(listed + "?page_size=200")])
            if ids:
                item["project"], item["line_id"] = code, RANDOM.choice(ids)
                break


def _rate(item: dict) -> None:
    """A rate that no amount has used yet (one in use is never changed): a date of its own, far ahead."""
    if not isinstance(item.get("source"), str) or not item["source"].strip():
        item["source"] = "Schemathesis"
    if "currency" in item and item["currency"] not in CURRENCIES[1:]:  # the body's schema has no pattern
        item["currency"] = RANDOM.choice(CURRENCIES[1:])
    rate = item.get("usd_per_unit")
    if "usd_per_unit" in item and not (isinstance(rate, str) and re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,10})?", rate)
                                       and 0 < float(rate) <= 100000):
        item["usd_per_unit"] = f"1.{RANDOM.randint(0, 9999):04d}"  # more than 0, at most 100,000, 10 places
    if "date" in item:
        item["date"] = f"{RANDOM.randint(2100, 2198)}-{RANDOM.randint(1, 12):02d}-{RANDOM.randint(1, 28):02d}"


CROSSED_PREFIX = "/api/v1/aggregates/{rows}/{columns}"
SHARE_SPLITS = {"priority", "country", "donor"}  # kept crossed with the funding role only


def _aggregate_question(case) -> None:
    """A positive crossed aggregate asks a question the figures hold (the server refuses the others with a 422
    naming why, tested in tests/test_aggregates_properties.py): two different dimensions, at most one of them an
    organisation's, not an organisation's shares crossed with a split kept for the funding role only;
    organisation_role with an organisation, rcp_link with an rcp, funder without the organisation dimension."""
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else None
    query = case.query if isinstance(case.query, dict) else {}
    if parameters is None:
        return
    rows, columns = parameters.get("rows"), parameters.get("columns")
    if columns == rows or {rows, columns} == {"organisation", "donor"}:
        parameters["columns"] = "year" if rows != "year" else "region"
        columns = parameters["columns"]
    if "organisation" in (rows, columns) and ({rows, columns} & SHARE_SPLITS or query.get("funder")):
        parameters["rows" if rows == "organisation" else "columns"] = "status"
    if query.get("organisation_role") and not query.get("organisation"):
        query.pop("organisation_role")
    if query.get("organisation_role") not in (None, "funding"):
        query.pop("organisation_role")  # another role's shares are not kept crossed with every split
    if query.get("rcp_link") and not query.get("rcp"):
        query.pop("rcp_link")


# The server's text rule (portfolio/schemas/fields.py BAD_TEXT: no control character but tab, LF and CR, no lone
# surrogate, in every string and key of a JSON body and every query parameter). Only some fields publish it as a
# pattern (a password, a JSON key cannot): a positive case keeps it everywhere; negative cases are left alone.
BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _text_rule(value):
    if isinstance(value, str):
        return BAD_TEXT.sub("", value)
    if isinstance(value, dict):
        return {BAD_TEXT.sub("", key) if isinstance(key, str) else key: _text_rule(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_text_rule(item) for item in value]
    return value


def _keep_text_rule(case) -> None:
    if isinstance(case.body, (dict, list)):
        cleaned = _text_rule(case.body)
        if cleaned != case.body:
            case.body = cleaned
    if isinstance(case.query, dict):
        cleaned = _text_rule(case.query)
        if cleaned != case.query:
            case.query = cleaned


# A person's account made by .ci/schemathesis before the run (TCM_SIGNIN_USER, TCM_SIGNIN_PASSWORD): a positive
# sign-in uses it (a random username and password is a 401 by design), a positive sign-out is made with a session
# signed in just before (the cookie and its CSRF token), and no case changes or disables it.
SIGNIN_USER = os.environ.get("TCM_SIGNIN_USER", "")
SIGNIN_PASSWORD = os.environ.get("TCM_SIGNIN_PASSWORD", "")


def _sign_in() -> tuple[str, str] | None:
    """A fresh session of the sign-in account: its cookie and CSRF token."""
    body = json.dumps({"username": SIGNIN_USER, "password": SIGNIN_PASSWORD}).encode()
    request = urllib.request.Request(BASE + "/api/v1/session", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            cookie = re.search(r"tcm_session=([^;]+)", answer.headers.get("Set-Cookie", ""))
            token = json.load(answer).get("csrf_token")
    except (OSError, ValueError):
        return None
    return (cookie[1], token) if cookie and token else None


_READ_SESSION: list[tuple[str, str]] = []  # one session for the reads of GET /session, signed in once


def _session_case(case) -> None:
    path, method = case.operation.path, case.operation.method.upper()
    if path != "/api/v1/session" or not SIGNIN_USER:
        return
    if method == "GET":
        if not _READ_SESSION:
            session = _sign_in()
            if session is None:
                return
            _READ_SESSION.append(session)
        case.cookies = {**(case.cookies or {}), "tcm_session": _READ_SESSION[0][0]}
        return
    if method == "POST" and isinstance(case.body, dict):
        case.body = {**case.body, "username": SIGNIN_USER, "password": SIGNIN_PASSWORD}
    elif method == "DELETE":
        session = _sign_in()
        if session:
            case.cookies = {**(case.cookies or {}), "tcm_session": session[0]}
            case.headers = {**(case.headers or {}), "X-CSRF-Token": session[1]}


def _spare_the_signin_user(case) -> None:
    parameters = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    if (SIGNIN_USER and case.operation.path == "/api/v1/users/{username}"
            and str(parameters.get("username", "")).strip().lower() == SIGNIN_USER.lower()):
        parameters["username"] = f"not-{SIGNIN_USER}"[:32]


# A real IATI file for a positive import: the first activity of the server's own /api/v1/iati/activities.xml (an
# unchanged import, a 200; random bytes are never well-formed XML). Read once.
_IATI: list[str] = []


def _iati_document() -> str | None:
    if not _IATI:
        request = urllib.request.Request(BASE + "/api/v1/iati/activities.xml",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                text = answer.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        end = text.find("</iati-activity>")
        if end < 0:
            return None
        _IATI.append(text[:end + len("</iati-activity>")] + "\n</iati-activities>\n")
    return _IATI[0]


def _upload(case) -> None:
    """A positive upload of a file (XML, CSV, a multipart form) sends a real one, as text: Schemathesis takes a
    body a hook set as bytes for a negative case, a string still matches `format: binary`."""
    path, media_type = case.operation.path, (case.media_type or "")
    if path == "/api/v1/iati/import":
        document = _iati_document()
    elif path == "/api/v1/exchange-rates" and media_type != "application/json":
        currency = RANDOM.choice(CURRENCIES[1:])
        day = f"{RANDOM.randint(2100, 2198)}-{RANDOM.randint(1, 12):02d}-{RANDOM.randint(1, 28):02d}"
        document = f"currency,date,usd_per_unit,source\n{currency},{day},1.{RANDOM.randint(0, 9999):04d},Schemathesis\n"
    else:
        return
    if document is None:
        return
    if media_type.startswith("multipart/"):
        case.body = {"file": document}
    elif media_type in ("application/xml", "text/xml", "text/csv"):
        case.body = document


@schemathesis.hook
def map_case(context, case):
    _spare_the_run_token(case)
    _spare_the_signin_user(case)
    if _positive(case) and case.operation.path.startswith(CROSSED_PREFIX):
        _aggregate_question(case)
    if _positive(case) and case.operation.method.upper() == "GET":
        _session_case(case)  # who is signed in: the sign-in account's session cookie
    if not _positive(case) or case.operation.method.upper() not in ("POST", "PUT", "PATCH", "DELETE"):
        return case
    _keep_text_rule(case)
    _existing_target(case)
    _fresh_idempotency_key(case)
    _session_case(case)
    _upload(case)
    if not isinstance(case.body, dict):
        return case
    path, method = case.operation.path, case.operation.method.upper()
    body = case.body
    items = body.get("items") if isinstance(body.get("items"), list) else None
    for item in items if items is not None else [body]:
        if not isinstance(item, dict):
            continue
        if path.endswith("/bulk") and "project" in item:
            _existing_project_row(item, path)
        if path == "/api/v1/exchange-rates":
            _rate(item)
        elif "/transactions" in path:
            _dates(item)
            if method in ("POST", "PATCH") and isinstance(item.get("reference"), str):  # unique in its project
                item["reference"] = _unique_code(item["reference"], 64)
            if items is not None:
                for name, value in (("type", "expenditure"), ("date", "2004-06-30"), ("amount", "10.00"),
                                    ("currency", "USD")):
                    item.setdefault(name, value)
            _money(item)
        elif "/budget-lines" in path:
            _line(item)
            if method == "PATCH" and items is None:
                _period_of_line(case, item)
        elif path.startswith("/api/v1/projects"):
            creating = path in ("/api/v1/projects", "/api/v1/projects/bulk")
            if creating and "code" in item:
                item["code"] = _unique_code(item["code"], 64)
            _project(item, new=creating and items is not None)
        elif path.startswith("/api/v1/organisations"):
            if path == "/api/v1/organisations" and "code" in item:
                item["code"] = _unique_code(item["code"], 20, upper=True)
            if isinstance(item.get("iati_identifier"), str):  # unique among organisations
                item["iati_identifier"] = _unique_code(item["iati_identifier"], 100)
        elif path == "/api/v1/users" and isinstance(item.get("username"), str):
            item["username"] = _unique_code(item["username"], 32).lower()
        elif path == "/api/v1/tokens" and isinstance(item.get("name"), str):
            item["name"] = _unique_code(item["name"], 120)
    if items is not None and path.endswith("/projects/bulk"):
        body["items"] = _unique(items, key=lambda item: item.get("code") if isinstance(item, dict) else item)
    return case
