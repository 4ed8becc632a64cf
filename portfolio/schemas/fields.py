"""Fields with one grammar each: the pattern the OpenAPI document publishes is exactly what the server
accepts (a generated client's validation matches the server's), and every value is bounded before it
reaches Python arithmetic or SQL (no 500 on a huge number, an edge date or a stray character)."""
import re
from datetime import UTC, date
from decimal import Decimal

from flask import g, has_request_context
from marshmallow import ValidationError, fields, validate

from portfolio import vocabulary
from portfolio.models.base import MAX_ID
from portfolio.schemas.enums import SHARED_ENUMS

FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CODE_PATTERN = r"^(?!bulk$)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
CODE_HELP = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit (not the reserved 'bulk')"


# One text rule for every text field, JSON key, CSV cell, query parameter and code: no C0 or C1 control
# character other than tab, line feed and carriage return (nor DEL), no NUL, no lone surrogate. They have no
# place in a title or a name, some break the files made from them (a worksheet cannot hold U+0001), and a
# terminal or a log shows U+001B as a command. api/request_checks.py applies it to every string of a JSON body
# and the query; Text applies it to what arrives by other ways (CSV cells). Published as TEXT_PATTERN.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # either of the two: one search
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"


def text_problem(value: str) -> str | None:
    """Why a string breaks the text rule, naming the character; None if it does not."""
    found = CONTROL_CHARACTER.search(value)
    if found:
        if found.group() == "\x00":
            return "Must not contain a NUL character (U+0000)."
        return (f"Must not contain the control character U+{ord(found.group()):04X} (only tab, line feed and "
                "carriage return are allowed).")
    if LONE_SURROGATE.search(value):
        return "Must not contain a lone surrogate (invalid Unicode)."
    return None


def _text_rule(value: str) -> str:
    problem = text_problem(value) if isinstance(value, str) else None
    if problem:
        raise ValidationError(problem)
    return value


def fullmatch(pattern: str, error: str) -> validate.Regexp:
    """A Regexp validator that matches the whole value: Python's `$` would also match before a final
    newline ("RB-NL\\n"), so the pattern's anchors are replaced by \\A and \\Z."""
    body = pattern.removeprefix("^").removesuffix("$")
    return validate.Regexp(re.compile(rf"\A(?:{body})\Z"), error=error)


def _not_blank(value: str) -> str:
    if isinstance(value, str) and value.isspace():  # "" is not isspace(): the length rule speaks for it
        raise ValidationError("Must not be blank: give at least one character that is not a space.")
    return value


class Text(fields.String):
    """A string of bounded length (the column's) that keeps the text rule (TEXT_PATTERN). `blank=False`: a name or
    title, which must say something (a value of only spaces is refused, with 422 naming the field; spaces around
    words are kept as sent). Not published as a pattern: the contract's patterns are kept as released (a tightened
    request pattern is a breaking change, docs/CHANGELOG-api.md); the description says it."""

    def __init__(self, *, max_length: int, min_length: int = 0, blank: bool = True, **kwargs):
        metadata = {"pattern": TEXT_PATTERN, **kwargs.pop("metadata", {})}
        rules = [validate.Length(min=min_length, max=max_length), _text_rule]
        if not blank:
            rules.append(_not_blank)
            metadata["description"] = " ".join(filter(None, (metadata.get("description"), "Not blank: a value of "
                                                                "only spaces is refused (422).")))
        super().__init__(validate=rules, metadata=metadata, **kwargs)


class BoundedList(fields.List):
    """A list of at most `max_items` (published as maxItems), checked before any item is: a list of a million
    codes is one error, at once, not a million look-ups and a million errors."""

    def __init__(self, inner, *, max_items: int, min_items: int = 0, message: str | None = None, **kwargs):
        self.max_items, self.min_items = max_items, min_items
        self.count_message = message or (f"Give at most {max_items:,} items." if not min_items
                                         else f"Give {min_items:,} to {max_items:,} items.")
        super().__init__(inner, validate=validate.Length(min=min_items, max=max_items, error=self.count_message),
                         **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and not self.min_items <= len(value) <= self.max_items:
            raise ValidationError(f"{self.count_message} Got {len(value):,}.")
        return super()._deserialize(value, attr, data, **kwargs)


class Code(fields.String):
    """A code matching `pattern` exactly; the pattern is published in the OpenAPI document."""

    def __init__(self, pattern: str, help_text: str, **kwargs):
        metadata = {"pattern": pattern, **kwargs.pop("metadata", {})}
        super().__init__(validate=fullmatch(pattern, help_text), metadata=metadata, **kwargs)


def decimal_pattern(places: int, digits: int = 15, signed: bool = False) -> str:
    """The published grammar of a decimal string: what the OpenAPI document says and the server enforces."""
    return rf"^{'-?' if signed else ''}[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"


class DecimalString(fields.Field):
    """An exact decimal carried as a JSON string ("1250.00"), never a float: the value must match the
    published pattern exactly (no sign, exponent, underscore or space) and lie in [low, high].

    In answers, `digits` and `signed` make the pattern hold for every value the server can send (a sum, a
    difference); input is never signed."""

    default_error_messages = {
        "type": "Must be a decimal string, for example \"1250.00\".",
        "pattern": "Must be a decimal string of at most {digits} digits before the point and {places} after it, "
                   "without sign, exponent or spaces (for example \"1250.00\").",
        # The usual slips, named (a person typing an amount, a spreadsheet's formatting): still "a decimal string".
        "negative": "Must be a decimal string without a sign: a negative value is not accepted here (for example "
                    "\"500.00\").",
        "separator": "Must be a decimal string without thousands separators, with a point before the decimals "
                     "(for example \"1000.50\").",
        "places": "Must be a decimal string with at most {places} digits after the point (for example \"1250.00\").",
        "range": "Must be {range}.",
    }

    def __init__(self, places: int, *, digits: int = 15, low: Decimal = Decimal(0), low_exclusive: bool = False,
                 high: Decimal | None = None, high_exclusive: bool = False, signed: bool = False, **kwargs):
        self.pattern = decimal_pattern(places, digits, signed)
        metadata = {"pattern": self.pattern, "format": "decimal", "x-decimal-places": places,
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.places, self.digits = places, digits
        self.quantum = Decimal(1).scaleb(-places)
        self.low, self.high, self.low_exclusive, self.high_exclusive = low, high, low_exclusive, high_exclusive
        # The published pattern itself, anchored as fullmatch() anchors it (no final newline slips through).
        self.regex = re.compile(rf"\A(?:{self.pattern.removeprefix('^').removesuffix('$')})\Z")

    def _describe_range(self) -> str:
        low = f"greater than {self.low}" if self.low_exclusive else f"at least {self.low}"
        if self.high is None:
            return low
        high = f"less than {self.high}" if self.high_exclusive else f"at most {self.high}"
        return f"{low} and {high}"

    def _slip(self, value: str) -> str:
        """Which message a value off the pattern gets: a usual slip by name when it is the only thing wrong."""
        if value.startswith("-") and self.regex.match(value[1:]):
            return "negative"
        if "," in value and self.regex.match(value.replace(",", "")):
            return "separator"
        whole, point, fraction = value.partition(".")
        digits_after = fraction.isascii() and fraction.isdigit()
        if point and digits_after and len(fraction) > self.places and self.regex.match(whole):
            return "places"
        return "pattern"

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("type")
        if not self.regex.match(value):
            raise self.make_error(self._slip(value), digits=self.digits, places=self.places)
        number = Decimal(value)  # bounded digits: exact, and far inside the decimal context
        too_low = number <= self.low if self.low_exclusive else number < self.low
        too_high = self.high is not None and (number >= self.high if self.high_exclusive else number > self.high)
        if too_low or too_high:
            raise self.make_error("range", range=self._describe_range())
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format((value if type(value) is Decimal else Decimal(value)).quantize(self.quantum), "f")


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing else: 1 and 0 are numbers (marshmallow's own Boolean takes 1 for true,
    as 1 == True in Python, whatever its truthy set says)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Money(DecimalString):
    """A USD figure in a response: two places always, so JSON, CSV and XLSX say the same. Up to 17 digits:
    every sum is of 64-bit counts of cents (a larger one is a database error, never a figure)."""

    def __init__(self, **kwargs):
        super().__init__(2, **{"digits": 17, **kwargs})


class StrictDate(fields.Date):
    """YYYY-MM-DD only (no "20040301", no "2004-W10-1"), between 1900-01-01 and 2199-12-31."""

    default_error_messages = {"range": f"Must be between {FIRST_DATE} and {LAST_DATE}."}

    def __init__(self, **kwargs):
        metadata = {"pattern": DATE_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise self.make_error("invalid")
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DATE <= parsed <= LAST_DATE:
            raise self.make_error("range")
        return parsed


class BoundedDateTime(fields.AwareDateTime):
    """An ISO 8601 date-time (UTC if no offset), between 1900 and 2199 once in UTC."""

    default_error_messages = {"range": "Must be in the years 1900 to 2199."}

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= parsed.year <= 2199:
            # Checked before conversion: 0001-01-01T00:00+14:00 would overflow on the way to UTC.
            raise self.make_error("range")
        return parsed.astimezone(UTC)


class Id(fields.Integer):
    """A row id: 1 .. 2^31-1 (the columns' range on PostgreSQL)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


INTEGER_TEXT = re.compile(r"-?[0-9]{1,18}")


class DigitsInteger(fields.Integer):
    """An integer; given as text (a query parameter), ASCII digits only. marshmallow's Integer reads text with
    Python's int(), which strips spaces and takes "+", "_" and any script's digits: `year_from=%202004` was 2004."""

    default_error_messages = {"invalid": "Not a valid integer: digits 0-9 only (no space, + or separator)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not INTEGER_TEXT.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def bounded_int(low: int, high: int, **kwargs) -> fields.Integer:
    return DigitsInteger(validate=validate.Range(min=low, max=high), **kwargs)


def enum(values, **kwargs) -> fields.String:
    """One of a fixed set of strings (documented as an enum)."""
    return fields.String(validate=validate.OneOf(tuple(values)), **kwargs)


class SharedEnum(fields.String):
    """One of the values of a shared vocabulary (schemas/enums.py), published as a reference to its named
    schema component rather than inline (api/contract.py); validated as `enum` validates."""

    def __init__(self, component: str, **kwargs):
        super().__init__(**kwargs)
        self.component = component
        self._one_of = validate.OneOf(SHARED_ENUMS[component][0])

    def _deserialize(self, value, attr, data, **kwargs):
        return self._one_of(super()._deserialize(value, attr, data, **kwargs))


def shared_enum(component: str, **kwargs) -> SharedEnum:
    return SharedEnum(component, **kwargs)


VOCABULARY_PATHS = {"regions": "/api/v1/regions", "priorities": "/api/v1/priorities",
                    "activity_types": "/api/v1/activity-types", "rcps": "/api/v1/rcps",
                    "countries": "/api/v1/countries", "organisations": "/api/v1/organisations"}
KIND_NAMES = {"regions": "region", "priorities": "priority", "activity_types": "activity type", "rcps": "RCP",
              "countries": "country", "organisations": "organisation"}


def _first_unknown_code() -> bool:
    """True for the first code of a request not found in the worker's cached vocabulary: that one reloads it
    (a code created a moment ago by another worker is found); later ones in the request use what it loaded."""
    if not has_request_context():
        return True
    if g.get("vocabulary_reloaded"):
        return False
    g.vocabulary_reloaded = True
    return True


def _known(kind: str, code: str) -> bool:
    """Known to the cached vocabulary, or after the request's one reload. Only an unknown code spends the
    reload: the known codes read before it (a region, a priority) used to spend it, so a funder created
    a moment ago by another worker was refused in the same body."""
    if vocabulary.knows(kind, code, reload=False):
        return True
    return _first_unknown_code() and vocabulary.knows(kind, code)


class VocabularyCode(fields.String):
    """A code that must exist in a vocabulary (regions, countries, organisations, ...): an unknown code is
    refused, never matched against nothing. `upper`: ISO codes are accepted in either case."""

    def __init__(self, kind: str, *, upper: bool = False, **kwargs):
        # x-vocabulary names the list the code must be in (VOCABULARY_PATHS): clients and fuzzers (the
        # Schemathesis hooks draw real codes from it) know where the valid values are.
        metadata = {"x-vocabulary": VOCABULARY_PATHS[kind], **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.kind, self.upper = kind, upper

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        if self.upper:
            code = code.upper()
        if not _known(self.kind, code):
            if "," in code:
                raise ValidationError(f"One {KIND_NAMES[self.kind]} code per parameter; lists such as {code!r} "
                                      "are not supported.")
            raise ValidationError(f"Unknown {KIND_NAMES[self.kind]} code: {code!r}.")
        return code
