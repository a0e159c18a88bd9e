from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .lockout import lock_for, login_failure_record, login_success_record


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class LockingLoginForm(AuthenticationForm):
    """Django's sign-in form, refusing a username that failed too often recently (even with the right password)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check them and try again.",
        "locked": "Too many failed sign-ins for this username. Try again in %(minutes)s minute%(plural)s, "
                  "or ask a clinic administrator to unlock it.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def _locked_error(self, lock):
        minutes = lock.minutes_left
        return forms.ValidationError(self.error_messages["locked"], code="locked",
                                     params={"minutes": minutes, "plural": "" if minutes == 1 else "s"})

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        lock = lock_for(username)
        if lock is not None:
            raise self._locked_error(lock)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            lock = login_failure_record(username=username, ip_address=client_ip(self.request))
            if lock is not None:
                raise self._locked_error(lock) from None
            raise
        login_success_record(username=username)
        return cleaned

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.clinic_id:
            raise forms.ValidationError("This account does not belong to a clinic.", code="no_clinic")
