from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from patients.errors import InvalidInput
from protocols.engine import DefinitionError


def api_exception_handler(exc, context):
    """Domain errors from the services answer 400 naming the field(s) and the reason."""
    if isinstance(exc, InvalidInput):
        code = status.HTTP_422_UNPROCESSABLE_ENTITY if type(exc).__name__ == "IdempotencyConflict" else status.HTTP_400_BAD_REQUEST
        return Response(exc.errors, status=code)
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DefinitionError):
        return Response({"definition": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
