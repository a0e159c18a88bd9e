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

    def save_related(self, request, form, formsets, change):
        """Closed days, open or injection days or Hb limits changed here re-plan the clinic's active
        enrollments, as the clinic's own settings page does (the same service)."""
        super().save_related(request, form, formsets, change)
        planning = {"open_days", "injection_days", "thresholds", "planning_horizon_months"}
        if not change or not (planning & set(form.changed_data) or any(f.has_changed() for f in formsets)):
            return
        from .services import clinic_replan_soon

        replanned = clinic_replan_soon(form.instance)
        self.message_user(request, f"{replanned.queued} active enrollments are being re-planned in the background."
                          if replanned.queued else f"Re-planned {replanned.enrollments} enrollment(s): "
                                                   f"{replanned.events} appointment(s) and blood test(s) moved.")


@admin.register(User)
class StaffAdmin(NoDeleteAdmin, UserAdmin, SimpleHistoryAdmin):
    """Staff are deactivated, never deleted: the records they made name them."""

    list_display = ["username", "first_name", "last_name", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
