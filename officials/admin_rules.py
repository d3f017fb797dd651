"""Read-only admin for stored policy versions; the policy in force has its own page (officials.views)."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from officials.admin_mixins import ReadOnlyAdminMixin
from rules.models import PolicyVersion
from rules.registry import current_policy


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every policy version that produced a ledger entry or was published; changed only by ``rules publish``."""

    list_display = ["short_hash", "created_at", "published", "author", "message", "in_force"]
    list_filter = ["published"]
    search_fields = ["hash", "author", "message"]
    fields = ["hash", "created_at", "published", "author", "message", "source", "file_contents"]
    readonly_fields = fields

    @admin.display(description="version", ordering="hash")
    def short_hash(self, obj):
        return obj.hash[:12]

    @admin.display(description="in force", boolean=True)
    def in_force(self, obj):
        return obj.hash == current_policy().version

    @admin.display(description="files")
    def file_contents(self, obj):
        return format_html_join(
            "", '<h3 style="margin:1em 0 .3em">{}</h3><pre style="white-space:pre-wrap">{}</pre>',
            sorted((obj.files or {}).items()),
        )

    def changelist_view(self, request, extra_context=None):
        link = format_html('<a href="{}">the policy in force</a>', reverse("officials:policy"))
        return super().changelist_view(request, {**(extra_context or {}), "policy_link": link})
