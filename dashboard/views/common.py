from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def back(request, default: str):
    return redirect(safe_next(request, default))


def scoped(queryset, pk):
    """An object of the acting user's clinic; another clinic's is a 404 like a missing one."""
    return get_object_or_404(queryset, pk=pk)
