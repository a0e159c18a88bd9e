"""Who may use which part of the API.

The rule, the same in the API as in the staff pages: clinicians and nurses work with clinical data
(patients, plans, records, alerts, reminders); clinic administrators manage the clinic's staff and
settings and never read clinical data. An API view open to administrators says so with
`open_to_administrators = True` (the protocol catalogue, the clinic's reminder settings, API tokens);
every other view, including those added later, refuses them.
"""

from rest_framework.permissions import BasePermission

from .models import Role


def clinic_id_of(user) -> int | None:
    """The acting user's clinic; None (which matches nothing) for anyone without one."""
    return getattr(user, "clinic_id", None)


ADMINISTRATORS_REFUSED = ("Clinic administrators manage staff and settings; clinical data is for clinicians and "
                          "nurses.")


class IsClinicStaff(BasePermission):
    """An authenticated member of a clinic, in a role the view is open to. Everything is scoped to their clinic."""

    message = "Only a clinic's staff can use the API."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.clinic_id):
            return False
        if user.role == Role.ADMIN and not getattr(view, "open_to_administrators", False):
            self.message = ADMINISTRATORS_REFUSED
            return False
        return True


class IsClinician(IsClinicStaff):
    message = "Only a clinician can do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.role == Role.CLINICIAN


class IsClinicianOrNurse(IsClinicStaff):
    message = "Only a clinician or a nurse can do this."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.role in (Role.CLINICIAN, Role.NURSE)


class IsClinicAdministrator(BasePermission):
    message = "Only a clinic administrator can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.clinic_id and user.role == Role.ADMIN)
