"""Fields shared by the schemas."""
from decimal import Decimal, InvalidOperation

from marshmallow import fields


class DecimalString(fields.Field):
    """An exact decimal carried as a JSON string ("1250.00"), never a float.

    `allow_numbers` lets a JSON number through for values that are not money (percent shares);
    money must be a string, because a JSON number may already have been rounded by the sender.
    """

    default_error_messages = {
        "type": "Must be a decimal string, for example \"1250.00\".",
        "invalid": "Not a valid decimal number.",
        "places": "At most {places} decimal places.",
        "range": "Must be between {low} and {high}.",
    }

    def __init__(self, places: int, *, allow_numbers: bool = False, low: Decimal | None = None,
                 high: Decimal | None = None, low_exclusive: bool = False, **kwargs):
        metadata = kwargs.pop("metadata", {})
        if not allow_numbers:
            # What the OpenAPI document can say of it (domain ranges are checked on load).
            metadata = {"pattern": rf"^-?[0-9]+(\.[0-9]{{1,{places}}})?$", **metadata}
        super().__init__(metadata=metadata, **kwargs)
        self.places = places
        self.allow_numbers = allow_numbers
        self.low, self.high, self.low_exclusive = low, high, low_exclusive

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float) if self.allow_numbers else str):
            raise self.make_error("type")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("invalid")
        if number.as_tuple().exponent < -self.places and number != number.quantize(Decimal(1).scaleb(-self.places)):
            raise self.make_error("places", places=self.places)
        too_low = self.low is not None and (number <= self.low if self.low_exclusive else number < self.low)
        if too_low or (self.high is not None and number > self.high):
            low = f"{self.low} (exclusive)" if self.low_exclusive else self.low
            raise self.make_error("range", low=low, high=self.high)
        return number.quantize(Decimal(1).scaleb(-self.places))

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(value).quantize(Decimal(1).scaleb(-self.places)), "f")
