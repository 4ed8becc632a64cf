from flask.views import MethodView
from sqlalchemy import text

from portfolio.api.base import ApiBlueprint
from portfolio.api.problems import ProblemError
from portfolio.extensions import db
from portfolio.observability import metrics_response
from portfolio.replicas import refresh_gauges
from portfolio.schemas.health import HealthSchema
from portfolio.statistics.freshness import derived_state

blp = ApiBlueprint("health", __name__, description="Liveness and readiness probes")


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(operationId="getHealth", security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(operationId="getReadiness", security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The database is not reachable, or the figures are being rebuilt")
    def get(self):
        """The database (the primary, even when reads go to replicas) is reachable, and the derived figures are
        fresh (not being rebuilt after an upgrade)."""
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            state = derived_state()
        except Exception as error:
            raise ProblemError(503, "The database is not reachable.", type_="service-unavailable",
                               headers={"Retry-After": "5"}) from error
        if state != "fresh":
            raise ProblemError(503, "The figures are being rebuilt after an upgrade: run `flask rollups rebuild`.",
                               type_="service-unavailable", headers={"Retry-After": "30"})
        return {"status": "ready"}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(operationId="getMetrics", security=[])
    @blp.response(200, {"type": "string"}, description="Prometheus text exposition format", content_type="text/plain")
    def get(self):
        """Prometheus metrics: request counts by endpoint and status, latency histograms, replica lag."""
        refresh_gauges()
        return metrics_response()
