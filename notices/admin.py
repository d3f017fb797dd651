"""Notices in the admin: read-only, searchable by resident ID."""
from django.contrib import admin

from audit.admin_mixins import PersonReadsLogged
from notices.models import Notice
from officials.admin_mixins import citizen_column


@admin.register(Notice)
class NoticeAdmin(PersonReadsLogged, admin.ModelAdmin):
    list_display = ("created_at", citizen_column, "subject", "kind", "delivery_status")
    list_filter = ("kind", "delivery_status", "created_at")
    search_fields = ("citizen__resident_id", "=event__id")
    list_select_related = ("citizen",)
    show_full_result_count = False
    readonly_fields = [field.name for field in Notice._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
