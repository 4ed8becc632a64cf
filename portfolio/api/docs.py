"""Swagger UI assets served by the app itself, so the docs page works offline."""
import swagger_ui_bundle
from flask import Blueprint, send_from_directory

DOCS_PREFIX = "/api/v1/docs"  # the docs page (config.py OPENAPI_SWAGGER_UI_PATH) and its assets
assets = Blueprint("docs_assets", __name__)


@assets.get(f"{DOCS_PREFIX}/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
