"""What a log line is about: the request id, the Celery task, the clinic. Kept in context variables
set by the request middleware and the task signals, and added to every record by ContextFilter.

Imports nothing that needs Django set up: the logging configuration loads it before that.
"""

import contextvars
import inspect
import logging
import re
import uuid

from django.utils.functional import SimpleLazyObject, empty  # no settings needed

_request = contextvars.ContextVar("ops_request", default=None)
_request_id = contextvars.ContextVar("ops_request_id", default=None)
_task = contextvars.ContextVar("ops_task", default=None)
_clinic_id = contextvars.ContextVar("ops_clinic_id", default=None)

#: An incoming X-Request-ID (set by the proxy) is kept only if it looks like one.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def new_request_id(incoming: str | None = None) -> str:
    if incoming and REQUEST_ID_PATTERN.match(incoming):
        return incoming
    return uuid.uuid4().hex


def bind_request(request, request_id: str):
    return _request.set(request), _request_id.set(request_id)


def unbind_request(tokens) -> None:
    request_token, id_token = tokens
    _request.reset(request_token)
    _request_id.reset(id_token)


def bind_task(*, task_id: str | None, task_name: str | None, clinic_id: int | None = None) -> None:
    _task.set((task_id, task_name))
    _clinic_id.set(clinic_id)


def unbind_task() -> None:
    _task.set(None)
    _clinic_id.set(None)


def bind_clinic(clinic_id: int | None) -> None:
    """For code that works on one clinic outside a request (a command, a task)."""
    _clinic_id.set(clinic_id)


def clinic_id_from_task_arguments(task, args, kwargs) -> int | None:
    """Tasks take ids: a task whose argument is named `clinic_id` is about that clinic."""
    if kwargs and isinstance(kwargs.get("clinic_id"), int):
        return kwargs["clinic_id"]
    if not args or task is None:
        return None
    try:
        names = list(inspect.signature(task.run).parameters)
    except (TypeError, ValueError):
        return None
    if "clinic_id" in names:
        index = names.index("clinic_id")
        if index < len(args) and isinstance(args[index], int):
            return args[index]
    return None


def _clinic_of_request(request) -> int | None:
    """The signed-in user's clinic, if the user was already looked up (never a query from a log call)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user.__dict__.get("_wrapped", empty)
        if user is empty:
            return None
    return getattr(user, "clinic_id", None)


def current() -> dict:
    """The context of the current log line: request_id, task_id, task_name, clinic_id (None if unknown)."""
    task_id, task_name = _task.get() or (None, None)
    clinic_id = _clinic_id.get()
    request = _request.get()
    if clinic_id is None and request is not None:
        clinic_id = _clinic_of_request(request)
    return {"request_id": _request_id.get(), "task_id": task_id, "task_name": task_name, "clinic_id": clinic_id}


class ContextFilter(logging.Filter):
    """Adds request_id, task_id, task_name and clinic_id to every record (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True
