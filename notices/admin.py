"""The operators' view of notices: delivery status per notice and channel, failures with their
reasons, dead letters and undeliverable notices, every attempt, resend and the letter batch."""
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.admin_mixins import PersonReadsLogged
from notices.letters import letters_print
from notices.models import AgencyContact, DeliveryAttempt, Notice
from notices.services import notice_resend
from points.duties import holds


class ProblemFilter(admin.SimpleListFilter):
    """What an operator looks for first: what did not, or will not, reach its addressee."""

    title = _("delivery problems")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("dead", _("dead letters")), ("undeliverable", _("undeliverable (no contact)")),
                ("retrying", _("failed, waiting for a retry")), ("sending", _("being sent"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "retrying":
            return queryset.filter(delivery_status=Notice.Delivery.PENDING).exclude(last_error="")
        if value == "sending":
            return queryset.filter(delivery_status=Notice.Delivery.SENDING)
        if value in ("dead", "undeliverable"):
            return queryset.filter(delivery_status=value)
        return queryset


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = readonly_fields = ["number", "channel", "started_at", "finished_at", "outcome", "address", "error",
                                "worker"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(PersonReadsLogged, admin.ModelAdmin):
    list_display = ("created_at", "addressee", "subject", "kind", "channel", "delivery_status", "attempts",
                    "failure")
    list_filter = (ProblemFilter, "delivery_status", "channel", "kind", "created_at")
    search_fields = ("citizen__resident_id", "=event__id", "agency__code", "official__username", "=appeal__id")
    list_select_related = ("citizen", "agency", "official")
    show_full_result_count = False
    readonly_fields = [field.name for field in Notice._meta.fields]
    date_hierarchy = "created_at"
    inlines = [DeliveryAttemptInline]
    actions = ["resend", "print_letters"]

    @admin.display(description=_("to"))
    def addressee(self, obj):
        return obj.citizen or obj.agency or obj.official

    @admin.display(description=_("last failure"))
    def failure(self, obj):
        return obj.last_error[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return holds(request.user, "notices.resend_notice")

    @admin.action(description=_("Send again (through the addressee's current contacts)"), permissions=["resend"])
    def resend(self, request, queryset):
        resent = [notice_resend(notice=notice) for notice in queryset.exclude(delivery_status=Notice.Delivery.SENDING)]
        self.message_user(request, ngettext("%(count)d notice will be sent again.",
                                            "%(count)d notices will be sent again.", len(resent))
                          % {"count": len(resent)}, messages.SUCCESS)

    @admin.action(description=_("Print the selected letters (PDF) and mark them sent"), permissions=["resend"])
    def print_letters(self, request, queryset):
        ids = list(queryset.filter(Q(channel=Notice.Channel.LETTER)).values_list("pk", flat=True))
        pdf, count = letters_print(by=request.user.get_username(), ids=ids)
        if not count:
            self.message_user(request, _("None of the selected notices is a letter waiting to be printed."),
                              messages.WARNING)
            return None
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="letters-{timezone.localdate()}.pdf"'
        return response


@admin.register(AgencyContact)
class AgencyContactAdmin(admin.ModelAdmin):
    """Where each agency's appeal notices are emailed; an agency without one reads them in its inbox."""

    list_display = ("agency", "email", "updated_at")
    search_fields = ("agency__code", "email")
    autocomplete_fields = ("agency",)
