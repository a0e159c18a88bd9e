"""Staff API paths, included under /api/v1/ before the router (see config/urls.py)."""

from django.urls import path

from . import api

urlpatterns = [
    path("patients/<int:pk>/reminder-preferences/", api.PatientReminderPreferencesView.as_view(),
         name="patient-reminder-preferences"),
    path("patients/<int:pk>/reminder-preferences/opt-out/", api.PatientOptOutView.as_view(stop=True),
         name="patient-reminder-opt-out"),
    path("patients/<int:pk>/reminder-preferences/opt-in/", api.PatientOptOutView.as_view(stop=False),
         name="patient-reminder-opt-in"),
    path("reminder-settings/", api.ClinicReminderSettingsView.as_view(), name="reminder-settings"),
]
