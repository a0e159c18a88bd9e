from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.admin import OTPAdminAuthenticationForm
from simple_history.admin import SimpleHistoryAdmin

from config.admin_mixins import NoDeleteAdmin

from .models import Clinic, ClosedDay, User
from .two_factor import confirmed_device


class AdminLoginForm(OTPAdminAuthenticationForm):
    """The admin's sign-in: a password (through the same lockout as every login path) and, for an account
    with an authenticator app, its code: the admin is no way around a second factor."""

    def clean_otp(self, user):
        if user is not None and confirmed_device(user) is None:
            return
        super().clean_otp(user)


admin.site.login_form = AdminLoginForm
admin.site.login_template = "otp/admin111/login.html"


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(NoDeleteAdmin, SimpleHistoryAdmin):
    """A clinic is never deleted: its patients and their records belong to it."""

    list_display = ["name", "slug", "timezone", "language", "injection_days", "open_days", "require_admin_two_factor"]
    inlines = [ClosedDayInline]


@admin.register(User)
class StaffAdmin(NoDeleteAdmin, UserAdmin, SimpleHistoryAdmin):
    """Staff are deactivated, never deleted: the records they made name them."""

    list_display = ["username", "first_name", "last_name", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
