"""Read-only admin for stored policy versions; the policy in force has its own page (officials.views)."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from officials.admin_mixins import ReadOnlyAdminMixin
from officials.labels import policy_version_number, policy_version_status
from rules.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every policy version that produced a ledger entry or was published; changed only by ``rules publish``."""

    list_display = ["label", "created_at", "status", "author", "message"]
    list_filter = ["published"]
    search_fields = ["hash", "author", "message"]
    fields = ["label", "status", "created_at", "author", "message", "source", "hash", "file_contents"]
    readonly_fields = fields

    @admin.display(description=_("version"), ordering="created_at")
    def label(self, obj):
        return _("Version %(number)s") % {"number": policy_version_number(obj)}

    @admin.display(description=_("status"))
    def status(self, obj):
        return policy_version_status(obj)

    @admin.display(description=_("files"))
    def file_contents(self, obj):
        return format_html_join(
            "", '<h3 style="margin:1em 0 .3em">{}</h3><pre style="white-space:pre-wrap">{}</pre>',
            sorted((obj.files or {}).items()),
        )

    def changelist_view(self, request, extra_context=None):
        link = format_html('<a href="{}">the policy in force</a>', reverse("officials:policy"))
        return super().changelist_view(request, {**(extra_context or {}), "policy_link": link})
