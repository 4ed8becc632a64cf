def register_blueprints(api, app) -> None:
    from portfolio.api import docs, health, reference

    for module in (reference, health):
        api.register_blueprint(module.blp)
    app.register_blueprint(docs.assets)
