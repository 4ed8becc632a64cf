"""Swagger UI assets served by the app itself, so the docs page works offline."""
import swagger_ui_bundle
from flask import Blueprint, send_from_directory

assets = Blueprint("docs_assets", __name__)


@assets.get("/api/v1/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)
