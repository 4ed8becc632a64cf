def register_blueprints(api, app, limiter) -> None:
    from portfolio.api import (aggregates, budget_lines, bulk, docs, exports, health, history, projects, reference,
                               sync)
    from portfolio.api.base import ProjectCodeConverter
    from portfolio.schemas.fields import DecimalString

    api.register_field(DecimalString, "string", "decimal")
    app.url_map.converters["project_code"] = ProjectCodeConverter
    api.register_converter(ProjectCodeConverter, lambda converter: {
        "type": "string", "pattern": "^(?!bulk$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"})
    limiter.exempt(health.blp)
    limiter.exempt(docs.assets)
    limiter.limit(lambda: app.config["RATELIMIT_BULK"])(bulk.blp)
    # bulk before projects: its static /projects/bulk must not be read as a project code.
    for module in (reference, bulk, projects, budget_lines, history, sync, aggregates, exports, health):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.assets)
