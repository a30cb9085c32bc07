class ReadOnlyAdminMixin:
    """History and other immutable rows: visible in the admin, never changed."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
