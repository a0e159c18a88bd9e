"""Sign-in's second step, the staff member's account security page, and the access log."""

from django.urls import path

from .views import access_log, account, auth

app_name = "security"

urlpatterns = [
    path("login/code/", auth.login_code, name="login-code"),
    path("account/", account.account, name="account"),
    path("access-log/", access_log.access_log, name="access-log"),
]
