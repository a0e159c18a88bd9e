from django.contrib import admin

from .models import Protocol, ProtocolVersion


class VersionInline(admin.TabularInline):
    model = ProtocolVersion
    extra = 0
    fields = ["version", "created_at"]
    readonly_fields = ["version", "created_at"]
    can_delete = False


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "clinic", "current_version"]
    readonly_fields = ["current_version"]
    inlines = [VersionInline]


@admin.register(ProtocolVersion)
class ProtocolVersionAdmin(admin.ModelAdmin):
    list_display = ["protocol", "version", "created_at"]
    readonly_fields = ["protocol", "version", "definition", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False
