"""Request bodies the API reads: JSON of a bounded size and depth.

DRF reads a JSON body straight from the request stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE, and
Python's json module recurses once per nesting level: without these bounds a large or deeply nested
body is read whole or ends in a RecursionError.
"""

import codecs
import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.utils import json as drf_json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        super().__init__(f"The request body is too large: at most {limit:,} bytes.")


def body_limit() -> int:
    return settings.API_MAX_BODY_BYTES


def nesting_depth(value) -> int:
    """How deeply lists and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_bounded(stream, limit: int) -> bytes:
    if stream is None:
        return b""
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge(limit)
    return body


class BoundedJSONParser(JSONParser):
    """JSON of at most API_MAX_BODY_BYTES, nested at most API_MAX_JSON_DEPTH levels: a 413 or a 400 otherwise."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        limit = body_limit()
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(limit)
        body = read_bounded(stream, limit)
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
            parse_constant = drf_json.strict_constant if api_settings.STRICT_JSON else None
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(f"JSON nested more than {settings.API_MAX_JSON_DEPTH} levels deep.") from None
        except (ValueError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_depth(data) > settings.API_MAX_JSON_DEPTH:
            raise ParseError(f"JSON nested more than {settings.API_MAX_JSON_DEPTH} levels deep.")
        return data
