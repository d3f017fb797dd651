"""The access log in the admin: auditors search who read whose record, when and how. Read-only for everyone."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AccessLog
from officials.admin_mixins import citizen_column


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "actor_kind", citizen_column, "action", "purpose", "source_address", "channel")
    list_filter = ("channel", "actor_kind", "action", ("at", admin.DateFieldListFilter))
    search_fields = ("=citizen__resident_id", "actor")
    search_help_text = _("Exact resident ID, or (part of) a username or agency code.")
    list_select_related = ("citizen",)
    date_hierarchy = "at"
    show_full_result_count = False
    list_per_page = 100
    fields = ("at", "actor", "actor_kind", "citizen", "action", "purpose", "source_address", "channel", "path")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
