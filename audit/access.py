"""Which patient a request read: the access log's view of the URL map.

A page or API answer about one patient (its page, its plan, an enrollment, a record, a list filtered to
the patient) is logged once per request; lists of many patients and the staff's own worklists are not.
"""

from django.apps import apps

#: URL name -> (model whose `pk` is in the URL, or None when the pk is the patient's own).
PATIENT_URLS = {
    "dashboard:patient": None,
    "dashboard:enrollment-plan": "patients.Enrollment",
    "patient-detail": None,
    "patient-reminders": None,
    "patient-reminder-preferences": None,
    "patient-reminder-opt-out": None,
    "patient-reminder-opt-in": None,
    "enrollment-detail": "patients.Enrollment",
    "enrollment-schedule": "patients.Enrollment",
    "enrollment-end-phase": "patients.Enrollment",
    "enrollment-stop": "patients.Enrollment",
    "event-detail": "patients.ScheduledEvent",
    "administration-detail": "patients.Administration",
    "administration-entered-in-error": "patients.Administration",
    "lab-result-detail": "patients.LabResult",
    "lab-result-entered-in-error": "patients.LabResult",
    "alert-detail": "alerts.Alert",
    "alert-acknowledge": "alerts.Alert",
    "alert-resolve": "alerts.Alert",
}


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def patients_read(request) -> list[int]:
    """The ids of the patients of the user's clinic that this (successful) request read."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return []
    user = request.user
    if match.view_name in PATIENT_URLS:
        pk = _int(match.kwargs.get("pk"))
        if pk is None:
            return []
        label = PATIENT_URLS[match.view_name]
        if label is None:  # the patient's own id: the view answered 2xx, so the patient is of the user's clinic
            return [pk]
        return list(apps.get_model(label).objects.filter(pk=pk, clinic_id=user.clinic_id)
                    .values_list("patient_id", flat=True))
    if request.path.startswith("/api/") and request.method == "GET":
        patient = _int(request.GET.get("patient"))
        if patient is not None:
            return list(apps.get_model("patients.Patient").objects.filter(pk=patient, clinic_id=user.clinic_id)
                        .values_list("pk", flat=True))
    return []
