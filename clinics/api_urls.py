"""API token paths, included under /api/v1/ (see config/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("auth/tokens/", api.OwnTokensView.as_view(), name="own-tokens"),
    path("auth/tokens/rotate/", api.RotateOwnTokenView.as_view(), name="own-token-rotate"),
    path("staff/<int:pk>/api-token/", api.StaffTokenView.as_view(), name="staff-api-token"),
]
