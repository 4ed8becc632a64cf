"""Write the OpenAPI document the code publishes to openapi/v1.json, the snapshot that
tests/test_openapi_compat.py compares the live document with.

    .venv/bin/python openapi/update_snapshot.py                    # shows what changed; writes it unless breaking
    .venv/bin/python openapi/update_snapshot.py --allow-breaking   # a breaking change made on purpose
    .venv/bin/python openapi/update_snapshot.py --check            # shows what changed, writes nothing

Run it when a change to the contract is released: bump API_VERSION (portfolio/config.py) and add the
version's entry to docs/CHANGELOG-api.md in the same commit. A breaking change belongs in a new major
version (see the changelog's policy).
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "openapi" / "v1.json"


def live_spec() -> dict:
    """The document as the server publishes it (no database is touched)."""
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as work:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{work}/spec.sqlite")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        from portfolio import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
        with app.test_client() as client:
            return client.get("/api/v1/openapi.json").get_json()


def dump(spec: dict) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--allow-breaking", action="store_true", help="write it even if it breaks clients")
    parser.add_argument("--check", action="store_true", help="only show what changed")
    options = parser.parse_args()
    spec = live_spec()
    from portfolio.api.spec_diff import changes

    old = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else None
    found = changes(old, spec) if old is not None else []
    for change in found:
        print(change)
    breaking = [c for c in found if c.breaking]
    print(f"{len(found)} change(s), {len(breaking)} breaking" if old is not None else "no snapshot yet")
    if options.check:
        return 1 if breaking else 0
    if breaking and not options.allow_breaking:
        print("Not written: breaking changes (use --allow-breaking if they are intended).", file=sys.stderr)
        return 1
    SNAPSHOT.write_text(dump(spec), encoding="utf-8")
    print(f"wrote {SNAPSHOT.relative_to(ROOT)} (version {spec['info']['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
