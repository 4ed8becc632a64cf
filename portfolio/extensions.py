"""Extension singletons of the data layer, bound to the app in create_app(). The HTTP layer's own
(flask-smorest Api, CORS, limiter) live in portfolio/api, so services never load it."""
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from portfolio.models.base import Base
from portfolio.replicas import RoutingSession

# expire_on_commit=False: a response (and its ETag) describes the state this request's own write
# produced; re-reading after commit could return a later writer's version under our ETag.
# RoutingSession: GET/HEAD reads may go to a read replica (DATABASE_REPLICA_URLS; portfolio/replicas.py).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False, "class_": RoutingSession})
migrate = Migrate()


def forget_connections(app) -> None:
    """In a process forked from one that loaded the app (gunicorn's preload_app): the pools start empty. A
    connection shared by two processes would interleave their traffic on one socket; dispose(close=False) drops
    the pool's connections without closing them under the parent. Loading the app opens none today (tested)."""
    with app.app_context():
        engines = list(db.engines.values())
    router = app.extensions.get("replicas")
    engines += [replica.engine for replica in (router.replicas if router else ())]
    for engine in engines:
        engine.dispose(close=False)
