"""The HTTP layer: flask-smorest blueprints (routing, auth, ETags, statuses), problem+json, the checks
every request passes, and the per-request unit of work."""
from werkzeug.routing import AnyConverter

from portfolio.api.base import ApiBlueprint, IdConverter, ProblemApi, ProjectCodeConverter  # noqa: F401
from portfolio.api.contract import ContractPlugin, any_converter_schema

api = ProblemApi(spec_kwargs={"extra_plugins": [ContractPlugin()]})


def init_app(app, limiter) -> None:
    from portfolio.api import (
        admin,
        aggregates,
        budget_lines,
        bulk,
        contract,
        docs,
        exports,
        finance,
        health,
        history,
        iati,
        organisations,
        problems,
        projects,
        reference,
        request_checks,
        session,
        sessions,
        spreadsheets,
        sync,
        transactions,
        unit_of_work,
    )
    from portfolio.schemas.fields import DecimalString

    app.url_map.converters["project_code"] = ProjectCodeConverter
    app.url_map.converters["id"] = IdConverter
    api.init_app(app)
    app.extensions["tcm_api"] = api
    api.register_field(DecimalString, "string", "decimal")
    api.register_converter(ProjectCodeConverter, lambda converter: {
        "type": "string", "pattern": "^(?!bulk$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"})
    api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 1,
                                                           "maximum": 2**31 - 1})
    api.register_converter(AnyConverter, any_converter_schema)
    limiter.exempt(health.blp)
    contract.NOT_RATE_LIMITED.add(health.blp.name)
    limiter.exempt(docs.assets)
    for blueprint in (bulk.blp, transactions.bulk_blp, spreadsheets.lines_blp, iati.blp):
        limiter.limit(lambda: app.config["RATELIMIT_BULK"])(blueprint)
    session.register_limits(limiter)
    # bulk before projects: its static /projects/bulk must not be read as a project code.
    for blueprint in (reference.blp, organisations.blp, bulk.blp, spreadsheets.exports_blp, projects.blp,
                      budget_lines.blp, transactions.blp, transactions.bulk_blp, finance.blp, history.blp, sync.blp,
                      aggregates.blp, exports.blp,
                      spreadsheets.lines_blp, session.blp, admin.tokens_blp, admin.users_blp, iati.blp, health.blp):
        api.register_blueprint(blueprint)
    contract.add_links(api.spec)
    app.register_blueprint(docs.assets)
    problems.register(app)
    sessions.register_csrf(app)  # before the request checks: a cross-site form post is a 403, not a 415
    request_checks.register(app)
    unit_of_work.register(app)
