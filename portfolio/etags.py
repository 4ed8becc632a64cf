"""A project's entity tag: what GET returns in ETag and what If-Match (or a bulk row's if_match) must
carry. Computed as flask-smorest computes the tags it sets (SHA-1 of the JSON of the tagged data), so a
tag read from a response is the one a service compares; tests/test_contract.py checks they agree."""
import hashlib
import json


def data(code: str, version: int) -> dict:
    """What the tag is computed from (given to flask-smorest's set_etag / check_etag)."""
    return {"code": code, "version": version}


def value(code: str, version: int) -> str:
    return hashlib.sha1(json.dumps(data(code, version), sort_keys=True).encode("utf-8")).hexdigest()


def quoted(code: str, version: int) -> str:
    return f'"{value(code, version)}"'


def matches(expected, code: str, version: int) -> bool:
    """A version number, or an ETag as a response carried it (quoted or not, weak or strong)."""
    if isinstance(expected, int):
        return expected == version
    tag = expected.strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    return tag.strip('"') == value(code, version) or tag == "*"
