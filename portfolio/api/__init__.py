def register_blueprints(api, app) -> None:
    from portfolio.api import aggregates, budget_lines, docs, health, history, projects, reference
    from portfolio.schemas.fields import DecimalString

    api.register_field(DecimalString, "string", "decimal")
    for module in (reference, projects, budget_lines, history, aggregates, health):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.assets)
