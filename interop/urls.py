from django.urls import path

from . import views
from .fhir import views as fhir
from .hl7.views import OruView

app_name = "interop"

fhir_patterns = [
    path("fhir/r4/metadata", fhir.Metadata.as_view(), name="fhir-metadata"),
    path("fhir/r4/", fhir.BundleView.as_view(), name="fhir-bundle"),
    path("fhir/r4/Patient", fhir.PatientSearch.as_view(), name="fhir-patient-search"),
    path("fhir/r4/Patient/<int:pk>", fhir.PatientRead.as_view(), name="fhir-patient"),
    path("fhir/r4/Patient/<int:pk>/$everything", fhir.PatientEverything.as_view(), name="fhir-patient-everything"),
    path("fhir/r4/Observation", fhir.ObservationView.as_view(), name="fhir-observations"),
    path("fhir/r4/Observation/<int:pk>", fhir.ObservationRead.as_view(), name="fhir-observation"),
    path("fhir/r4/MedicationAdministration", fhir.AdministrationSearch.as_view(), name="fhir-administrations"),
    path("fhir/r4/MedicationAdministration/<int:pk>", fhir.AdministrationRead.as_view(), name="fhir-administration"),
    path("fhir/r4/CarePlan", fhir.CarePlanSearch.as_view(), name="fhir-careplans"),
    path("fhir/r4/CarePlan/<int:pk>", fhir.CarePlanRead.as_view(), name="fhir-careplan"),
    path("fhir/r4/MedicationRequest/<str:ident>", fhir.MedicationRequestRead.as_view(), name="fhir-medicationrequest"),
    path("fhir/r4/Flag/<int:pk>", fhir.FlagRead.as_view(), name="fhir-flag"),
]

urlpatterns = [
    *fhir_patterns,
    path("hl7/v2/oru", OruView.as_view(), name="hl7-oru"),
    path("interfaces/", views.interfaces, name="interfaces"),
    path("interfaces/import/", views.import_upload, name="import-upload"),
    path("interfaces/import/<int:pk>/", views.import_preview, name="import-preview"),
    path("interfaces/lab-codes/", views.lab_codes, name="lab-codes"),
    path("interfaces/lab-codes/<int:pk>/delete/", views.lab_code_delete, name="lab-code-delete"),
]
