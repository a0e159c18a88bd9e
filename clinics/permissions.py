from rest_framework.permissions import BasePermission

from .models import Role


def clinic_id_of(user) -> int | None:
    """The acting user's clinic; None (which matches nothing) for anyone without one."""
    return getattr(user, "clinic_id", None)


class IsClinicStaff(BasePermission):
    """An authenticated member of a clinic. Everything they see is scoped to that clinic."""

    message = "Only a clinic's staff can use the API."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.clinic_id)


class IsClinician(IsClinicStaff):
    message = "Only a clinician can do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.role == Role.CLINICIAN


class IsClinicianOrNurse(IsClinicStaff):
    message = "Only a clinician or a nurse can do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.role in (Role.CLINICIAN, Role.NURSE)
