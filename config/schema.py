"""The OpenAPI document says what the API answers, errors included: 400 with the fields named, 401 without
valid credentials, 403 for a role refused, 404 for another clinic's object, 413 for an oversize body."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    response={"type": "object", "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]}},
    description="Bad input: each field named with what is wrong (or `detail`, `non_field_errors`); nothing saved.",
)
ERRORS = {
    "400": FIELD_ERRORS,
    "401": OpenApiResponse(DETAIL, description="No valid credentials (`Authorization: Token <key>`)."),
    "403": OpenApiResponse(DETAIL, description="The caller's role may not do this."),
    "404": OpenApiResponse(
        response={"type": "object", "additionalProperties": {"type": "string"}},
        description="No such object in the caller's clinic (another clinic's too): `detail`, or the field naming it."),
}
BODY_ERRORS = {
    "413": OpenApiResponse(DETAIL, description="The request body is too large."),
    "415": OpenApiResponse(DETAIL, description="The body is not JSON (or a form)."),
}


#: A local time of day (a clinic's or a patient's): OpenAPI's `format: time` would demand a UTC offset.
LOCAL_TIME = {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$",
              "example": "08:00"}


class ClinicAutoSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.TimeField) and not hasattr(field, "_spectacular_annotation"):
            schema = dict(LOCAL_TIME)
            if field.read_only:
                schema["readOnly"] = True
            if field.allow_null:
                schema["nullable"] = True
            return schema
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH"):
            errors.update(BODY_ERRORS)
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
