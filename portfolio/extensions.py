"""Extension singletons, bound to the app in create_app()."""
from flask_cors import CORS
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from portfolio.api.base import ProblemApi
from portfolio.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = ProblemApi()
cors = CORS()
