"""Administration over the API (the admin role only): API tokens for scripts (list, create, shown once,
revoke) and people's accounts (list, create, change role or name, disable, set a password), each action
recorded in the audit trail with the caller as its actor, and those histories. The same work as
`flask tokens` and `flask users`."""
from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from portfolio import auth
from portfolio.api.auth import authenticate, current_actor, protect
from portfolio.api.base import ApiBlueprint
from portfolio.errors import Conflict, Invalid, NotFound, field_error
from portfolio.extensions import db
from portfolio.models import ApiToken, User
from portfolio.schemas.history import AuditEventSchema
from portfolio.schemas.people import (
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserPatchSchema,
    UserSchema,
)
from portfolio.services import users
from portfolio.services.history import entity_events

tokens_blp = ApiBlueprint("tokens", __name__, url_prefix="/api/v1",
                          description="API tokens for scripts (admins only): list, create (shown once), revoke")
protect(tokens_blp, {"GET": "admin", "POST": "admin", "DELETE": "admin"})
users_blp = ApiBlueprint("users", __name__, url_prefix="/api/v1",
                         description="People's accounts (admins only): list, create, change, disable")
protect(users_blp, {"GET": "admin", "POST": "admin", "PATCH": "admin"})


def _token(name: str) -> ApiToken:
    row = db.session.scalars(select(ApiToken).where(ApiToken.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"No token named {name!r}.", errors=[field_error("/name", "No such token.", "path")])
    return row


@tokens_blp.route("/tokens")
class Tokens(MethodView):
    @tokens_blp.doc(operationId="listTokens")
    @tokens_blp.response(200, TokenSchema(many=True))
    def get(self):
        """Every token, by name: role, prefix, when created and revoked (never the token itself)."""
        return db.session.scalars(select(ApiToken).order_by(ApiToken.name)).all()

    @tokens_blp.doc(operationId="createToken")
    @tokens_blp.arguments(TokenCreateSchema)
    @tokens_blp.response(201, TokenCreatedSchema)
    def post(self, data):
        """Create a token; the answer shows it this once (only its hash is stored)."""
        if db.session.scalar(select(ApiToken.id).where(ApiToken.name == data["name"])) is not None:
            raise Conflict(f"A token named {data['name']!r} already exists.",
                           errors=[field_error("/name", "Already taken.")])
        row, token = auth.issue_token(data["name"], data["role"], actor=current_actor(), commit=False)
        answer = {"name": row.name, "role": row.role, "prefix": row.prefix, "created_at": row.created_at,
                  "revoked_at": None, "token": token}
        return answer, 201, {"Location": url_for("tokens.Token", name=row.name)}


@tokens_blp.route("/tokens/<string(maxlength=120):name>")
class Token(MethodView):
    @tokens_blp.doc(operationId="getToken")
    @tokens_blp.response(200, TokenSchema)
    def get(self, name):
        """One token: role, prefix, when created and revoked."""
        return _token(name)

    @tokens_blp.doc(operationId="deleteToken")
    @tokens_blp.response(204)
    def delete(self, name):
        """Revoke a token: requests with it get 401 from then on (every worker within a second). The row stays,
        revoked, so history's actor keeps its meaning; revoking a revoked token changes nothing."""
        auth.revoke_token(_token(name).name, actor=current_actor(), commit=False)
        return None


@tokens_blp.route("/tokens/<string(maxlength=120):name>/history")
class TokenHistory(MethodView):
    @tokens_blp.doc(operationId="listTokenHistory")
    @tokens_blp.response(200, AuditEventSchema(many=True))
    @tokens_blp.paginate()
    def get(self, name, pagination_parameters):
        """Who created the token, with which role, and who revoked it, newest first (readable after revocation;
        never the token itself)."""
        events, total = entity_events("token", _token(name).name, pagination_parameters.page,
                                      pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return events


def _user(username: str) -> User:
    try:
        return users.get(username)
    except LookupError as exc:
        raise NotFound(f"No user named {username!r}.",
                       errors=[field_error("/username", "No such user.", "path")]) from exc


def _invalid(exc: ValueError, pointer: str) -> Invalid:
    return Invalid([field_error(pointer, str(exc))], str(exc))


@users_blp.route("/users")
class Users(MethodView):
    @users_blp.doc(operationId="listUsers")
    @users_blp.response(200, UserSchema(many=True))
    def get(self):
        """Every person's account: role, state, last sign-in (never a password or hash)."""
        return db.session.scalars(select(User).order_by(User.username)).all()

    @users_blp.doc(operationId="createUser")
    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    def post(self, data):
        """Create a person's account with a first password (they can sign in at once)."""
        if db.session.scalar(select(User.id).where(User.username == data["username"])) is not None:
            raise Conflict(f"A user named {data['username']!r} already exists.",
                           errors=[field_error("/username", "Already taken.")])
        try:
            user = users.create(data["username"], data["role"], data["password"], data["name"],
                                actor=current_actor())
        except ValueError as exc:
            raise _invalid(exc, "/password") from exc
        return user, 201, {"Location": url_for("users.UserResource", username=user.username)}


@users_blp.route("/users/<string(maxlength=32):username>")
class UserResource(MethodView):
    @users_blp.doc(operationId="getUser")
    @users_blp.response(200, UserSchema)
    def get(self, username):
        """One person's account."""
        return _user(username)

    @users_blp.doc(operationId="updateUser")
    @users_blp.arguments(UserPatchSchema)
    @users_blp.response(200, UserSchema)
    def patch(self, data, username):
        """Change a role or name, disable (ending every session) or enable, or set a new password (ending every
        session). An admin cannot disable themselves nor take away their own admin role."""
        user = _user(username)
        me = authenticate()
        if me is not None and me.kind == "user" and me.id == user.id and (
                data.get("disabled") is True or data.get("role", "admin") != "admin"):
            raise Conflict("You cannot disable yourself or take away your own admin role; ask another admin.")
        actor = current_actor()
        try:
            users.change(user, role=data.get("role"), name=data.get("name"), actor=actor)
        except ValueError as exc:
            raise _invalid(exc, "/role") from exc
        if "password" in data:
            users.set_password(user, data["password"], actor=actor)
        if data.get("disabled") is True:
            users.disable(user, actor=actor)
        elif data.get("disabled") is False:
            users.enable(user, actor=actor)
        return user


@users_blp.route("/users/<string(maxlength=32):username>/history")
class UserHistory(MethodView):
    @users_blp.doc(operationId="listUserHistory")
    @users_blp.response(200, AuditEventSchema(many=True))
    @users_blp.paginate()
    def get(self, username, pagination_parameters):
        """Who created the account, changed its role or name, disabled or enabled it, or set its password, and
        when, newest first (one event per action; never a password or its hash)."""
        events, total = entity_events("user", _user(username).username, pagination_parameters.page,
                                      pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return events
