"""Record who read which patient, after a successful answer (pages and API alike)."""

from .access import patients_read
from .models import AccessVia
from .services import patient_access_record


class PatientAccessLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if 200 <= response.status_code < 300 and user is not None and user.is_authenticated and user.clinic_id:
            patient_ids = patients_read(request)
            if patient_ids:
                via = AccessVia.API if request.path.startswith("/api/") else AccessVia.PAGE
                patient_access_record(user=user, patient_ids=patient_ids, via=via, what=request.path)
        return response
