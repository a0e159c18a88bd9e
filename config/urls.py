from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from alerts.api import AlertViewSet
from patients.api.views import (
    AdministrationViewSet,
    EnrollmentViewSet,
    EventViewSet,
    LabResultViewSet,
    PatientViewSet,
)
from protocols.api import ProtocolViewSet
from reminders.api import PatientRemindersView

router = DefaultRouter()
router.register("protocols", ProtocolViewSet, basename="protocol")
router.register("patients", PatientViewSet, basename="patient")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("events", EventViewSet, basename="event")
router.register("administrations", AdministrationViewSet, basename="administration")
router.register("lab-results", LabResultViewSet, basename="lab-result")
router.register("alerts", AlertViewSet, basename="alert")


handler400 = "config.exceptions.bad_request"
handler403 = "config.exceptions.permission_denied"
handler404 = "config.exceptions.page_not_found"
handler500 = "config.exceptions.server_error"

urlpatterns = [
    path("api/v1/patients/<int:pk>/reminders/", PatientRemindersView.as_view(), name="patient-reminders"),
    path("api/v1/", include("reminders.api_urls")),
    path("api/v1/", include("clinics.api_urls")),
    path("api/v1/", include(router.urls)),
    path("r/", include("reminders.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's script is served from here too (no inline script); it sets inline styles as it draws.
    path("api/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
         name="api-docs"),
    path("admin/", admin.site.urls),
    # Interfaces: FHIR R4 facade, HL7 v2 lab results, CSV import and lab code mapping pages.
    path("", include("interop.urls")),
    path("", include("dashboard.urls_security")),
    path("", include("dashboard.urls")),
]
