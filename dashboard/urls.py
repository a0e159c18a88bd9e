from django.urls import path

from .views import alerts, auth, enroll, overview, patient, patients, record, staff, today

app_name = "dashboard"

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("help/", auth.help_page, name="help"),
    path("", today.today, name="today"),
    path("events/<int:pk>/given/", record.record_given, name="record-given"),
    path("events/<int:pk>/taken/", record.record_taken, name="record-taken"),
    path("events/<int:pk>/<str:outcome>/", record.record_not_given, name="record-outcome"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/new/", patient.patient_new, name="patient-new"),
    path("patients/<int:pk>/", patient.patient_detail, name="patient"),
    path("patients/<int:pk>/lab-results/", patient.lab_file, name="lab-file"),
    path("patients/<int:pk>/enroll/", enroll.enroll, name="enroll"),
    path("enrollments/<int:pk>/end-phase/", enroll.end_phase, name="end-phase"),
    path("enrollments/<int:pk>/stop/", enroll.stop, name="enrollment-stop"),
    path("enrollments/<int:pk>/plan/", patient.enrollment_plan_page, name="enrollment-plan"),
    path("administrations/<int:pk>/entered-in-error/", patient.administration_in_error, name="administration-error"),
    path("lab-results/<int:pk>/entered-in-error/", patient.lab_result_in_error, name="lab-result-error"),
    path("alerts/", alerts.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", alerts.alert_ack, name="alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", alerts.alert_res, name="alert-resolve"),
    path("overview/", overview.overview, name="overview"),
    path("staff/", staff.staff_list, name="staff"),
    path("staff/<int:pk>/active/", staff.staff_toggle, name="staff-active"),
    path("staff/<int:pk>/unlock/", staff.staff_unlock_view, name="staff-unlock"),
    path("patients/<int:pk>/edit/", patient.patient_edit, name="patient-edit"),
    path("patients/<int:pk>/print/", patient.patient_print, name="patient-print"),
]

# The clinic's settings (clinic administrators).
from .views import clinic_settings  # noqa: E402

urlpatterns += [
    path("clinic/", clinic_settings.clinic_settings, name="clinic"),
    path("clinic/details/", clinic_settings.clinic_details, name="clinic-details"),
    path("clinic/days/", clinic_settings.clinic_days, name="clinic-days"),
    path("clinic/closed-days/", clinic_settings.closed_day_create, name="clinic-closed-day-add"),
    path("clinic/closed-days/<int:pk>/remove/", clinic_settings.closed_day_delete, name="clinic-closed-day-remove"),
    path("clinic/thresholds/", clinic_settings.clinic_thresholds, name="clinic-thresholds"),
    path("clinic/reminders/", clinic_settings.clinic_reminders, name="clinic-reminders"),
]
