"""How errors are answered: the API always in JSON (400 naming the field, 404, 413), never an HTML page."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from patients.errors import InvalidInput
from protocols.engine import DefinitionError

#: Paths answered in JSON even when Django, not the API view, answers the error.
JSON_PATH_PREFIXES = ("/api/",)


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
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, TooManyFieldsSent):
        return Response({"detail": "The request has too many fields."}, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


def wants_json(request) -> bool:
    return request.path.startswith(JSON_PATH_PREFIXES)


def bad_request(request, exception=None):
    if not wants_json(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"detail": "The request body is too large."}, status=413)
    return JsonResponse({"detail": "Bad request."}, status=400)


def page_not_found(request, exception=None):
    if not wants_json(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": "Not found."}, status=404)


def permission_denied(request, exception=None):
    if not wants_json(request):
        return defaults.permission_denied(request, exception)
    return JsonResponse({"detail": str(exception) or "You do not have permission to do this."}, status=403)


def server_error(request):
    if not wants_json(request):
        return defaults.server_error(request)
    return JsonResponse({"detail": "Server error."}, status=500)
