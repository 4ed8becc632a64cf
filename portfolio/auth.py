"""Who is acting. Until tokens exist every request acts as "anonymous"."""
from flask import g


def current_actor() -> str:
    return g.get("actor", "anonymous")
