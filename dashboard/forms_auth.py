"""Sign-in forms. Every failed sign-in answers the same words (wrong password, unknown or inactive account,
an account of no clinic); a lock is answered by the lockout (dashboard/lockout.py)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm

INVALID_LOGIN = "That username and password do not match. Check them and try again."
LOCKED = ("Too many failed sign-ins for this username from here. Try again in {minutes} minute{plural}, "
          "or ask a clinic administrator to unlock it.")


def lock_message(lock) -> str:
    minutes = lock.minutes_left
    return LOCKED.format(minutes=minutes, plural="" if minutes == 1 else "s")


class LockingLoginForm(AuthenticationForm):
    """Django's sign-in form (authenticate() goes through the lockout) for staff of a clinic."""

    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN}

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.clinic_id:
            raise self.get_invalid_login_error()


class OneTimeCodeForm(forms.Form):
    """The second step of signing in: the 6-digit code of the staff member's authenticator app."""

    code = forms.CharField(label="Code from your authenticator app", max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "pattern": "[0-9]{6}", "autofocus": True}))

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The code is 6 digits.")
        return code
