"""Sign-in, sessions, users and tokens: bodies and answers."""
from marshmallow import Schema, fields, validate

from portfolio.auth import PERMISSIONS
from portfolio.models.people import NAME_MAX
from portfolio.schemas.fields import Code, StrictBoolean, Text, shared_enum
from portfolio.schemas.projects import StrictSchema
from portfolio.services.users import PASSWORD_MAX, PASSWORD_MIN, USERNAME_HELP, USERNAME_PATTERN

TOKEN_NAME_PATTERN = r"^(?!user:)[A-Za-z0-9][A-Za-z0-9 ._:@-]{0,119}$"
TOKEN_NAME_HELP = ("1-120 letters, digits, spaces, '.', '_', ':', '@' or '-', starting with a letter or digit "
                   "(not `user:`, which names people in history)")


class SignInSchema(StrictSchema):
    # Not checked against the username pattern: a malformed name is simply a failed sign-in (401), so the
    # answer never tells which names could exist.
    username = fields.String(required=True, validate=validate.Length(min=1, max=200),
                             metadata={"example": "alice"})
    password = fields.String(required=True, validate=validate.Length(min=1, max=PASSWORD_MAX),
                             metadata={"format": "password"})


class SessionUserSchema(Schema):
    username = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    role = shared_enum("Role", required=True)
    permissions = fields.List(fields.String(validate=validate.OneOf(sorted(set().union(*PERMISSIONS.values())))),
                              required=True, metadata={"description": "What the role may do: read, create, edit, "
                                                                       "delete, aggregate, bulk, admin"})


class SessionSchema(Schema):
    user = fields.Nested(SessionUserSchema, required=True)
    csrf_token = fields.String(required=True, metadata={
        "description": "Send it as the header X-CSRF-Token with every write made with this session"})
    expires_at = fields.AwareDateTime(required=True, metadata={
        "description": "When the session ends unless used again (the idle end), or its absolute end if earlier"})


class UserSchema(Schema):
    username = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    role = shared_enum("Role", required=True)
    created_at = fields.AwareDateTime(required=True)
    last_sign_in_at = fields.AwareDateTime(allow_none=True, required=True)
    disabled_at = fields.AwareDateTime(allow_none=True, required=True)


class UserCreateSchema(StrictSchema):
    username = Code(USERNAME_PATTERN, USERNAME_HELP, required=True)
    name = Text(max_length=NAME_MAX, min_length=1, blank=False, allow_none=True, load_default=None)
    role = shared_enum("Role", required=True)
    password = fields.String(required=True, validate=validate.Length(min=PASSWORD_MIN, max=PASSWORD_MAX),
                             metadata={"format": "password"})


class UserPatchSchema(StrictSchema):
    name = Text(max_length=NAME_MAX, min_length=1, blank=False)
    role = shared_enum("Role", metadata={"description": "A new role ends the user's sessions"})
    disabled = StrictBoolean(metadata={"description": "true: sign-ins refused and every session ended; false: "
                                                      "allowed again"})
    password = fields.String(validate=validate.Length(min=PASSWORD_MIN, max=PASSWORD_MAX), metadata={
        "format": "password", "description": "A new password; the user's sessions end"})


class TokenSchema(Schema):
    name = fields.String(required=True)
    role = shared_enum("Role", required=True)
    prefix = fields.String(required=True, metadata={"description": "The token's first characters, to recognise it"})
    created_at = fields.AwareDateTime(required=True)
    revoked_at = fields.AwareDateTime(allow_none=True, required=True)


class TokenCreateSchema(StrictSchema):
    name = Code(TOKEN_NAME_PATTERN, TOKEN_NAME_HELP, required=True, metadata={
        "description": "Who or what uses the token; history names it as the actor"})
    role = shared_enum("Role", required=True)


class TokenCreatedSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "The token itself, shown this once only (only "
                                                                  "its hash is stored)"})
