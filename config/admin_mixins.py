"""The Django admin never edits or deletes clinical, consent or audit records around the services."""


class NoDeleteAdmin:
    """Rows are kept: they are clinical or consent history, or other records point at them."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(NoDeleteAdmin):
    """Shown for reading; written only through the services (the API, the staff pages, the admin's actions)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
