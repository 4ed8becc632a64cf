from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text

from portfolio.api.base import ApiBlueprint
from portfolio.errors import ProblemError
from portfolio.extensions import db
from portfolio.observability import metrics_response
from portfolio.replicas import refresh_gauges

blp = ApiBlueprint("health", __name__, description="Liveness and readiness probes")


class HealthSchema(Schema):
    status = fields.String()


@blp.route("/healthz")
class Health(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.doc(security=[])
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, description="The database is not reachable")
    def get(self):
        """The database (the primary, even when reads go to replicas) is reachable."""
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            raise ProblemError(503, "The database is not reachable.", type_="service-unavailable",
                               headers={"Retry-After": "5"})
        return {"status": "ready"}


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.doc(security=[])
    @blp.response(200, description="Prometheus text exposition format", content_type="text/plain")
    def get(self):
        """Prometheus metrics: request counts by endpoint and status, latency histograms, replica lag."""
        refresh_gauges()
        return metrics_response()
