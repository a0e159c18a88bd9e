"""Public URLs (no login), included under /r/ from config/urls.py: short enough for a text."""

from django.urls import include, path

from . import views

app_name = "reminders"

urlpatterns = [
    path("taken/<str:token>/", views.taken, name="taken"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/inbound/", views.sms_inbound, name="sms-inbound"),
    path("sms/status/", views.sms_status, name="sms-status"),
    path("calendar/<str:token>.ics", views.calendar, name="calendar"),
    # the email provider's delivery reports: /r/email/<provider>/tracking/ (django-anymail)
    path("email/", include("anymail.urls")),
]
