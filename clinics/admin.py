from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Clinic, ClosedDay, User


class ClosedDayInline(admin.TabularInline):
    model = ClosedDay
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "language", "injection_days", "open_days"]
    inlines = [ClosedDayInline]


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    fieldsets = UserAdmin.fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
    add_fieldsets = UserAdmin.add_fieldsets + (("Clinic", {"fields": ("clinic", "role")}),)
