"""Appeals in the admin: file on a citizen's behalf, review, uphold or reject — through appeals.services."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import services
from appeals.evidence import evidence_path
from appeals.forms import AppealDecisionForm, AppealFileForm
from appeals.models import Appeal, AppealTransition, Evidence
from audit.admin_mixins import PersonReadsLogged, admin_read_record
from core.exceptions import ApplicationError
from officials.admin_mixins import citizen_column
from officials.labels import event_type_title
from points.duties import holds

FILE_PERMISSION = "appeals.add_appeal"
VIEW_PERMISSION = "appeals.view_appeal"
DECIDE_PERMISSION = "appeals.decide_appeal"
DECISIONS = {
    "review": lambda appeal, reasons, by: services.appeal_start_review(appeal=appeal, reasons=reasons, by=by),
    "uphold": lambda appeal, reasons, by: services.appeal_uphold(appeal=appeal, reasons=reasons, by=by),
    "reject": lambda appeal, reasons, by: services.appeal_reject(appeal=appeal, reasons=reasons, by=by),
}


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("decision deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("overdue")), ("no", _("not overdue"))]

    def queryset(self, request, queryset):
        overdue = Q(state__in=Appeal.OPEN_STATES, deadline__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class SupervisorsQueueFilter(admin.SimpleListFilter):
    """Escalated appeals: a deadline passed, the points are suspended, a supervisor decides."""

    title = _("supervisors' queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("supervisors", _("escalated, awaiting a supervisor"))]

    def queryset(self, request, queryset):
        if self.value() == "supervisors":
            return queryset.filter(state=Appeal.State.ESCALATED)
        return queryset


def state_label(code: str) -> str:
    """An appeal state as people read it ("under review"); the filing itself has no state before it."""
    return Appeal.State(code).label if code else _("new")


class TransitionInline(admin.TabularInline):
    model = AppealTransition
    fields = ("at", "by", "from_label", "to_label", "reasons")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("from"))
    def from_label(self, transition):
        return state_label(transition.from_state)

    @admin.display(description=gettext_lazy("to"))
    def to_label(self, transition):
        return state_label(transition.to_state)


class EvidenceInline(admin.TabularInline):
    """The citizen's evidence files, each with a download link (served by ``evidence_download``)."""

    model = Evidence
    fields = ("file_link", "content_type", "size", "sha256", "uploaded_at", "uploaded_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("evidence files")

    @admin.display(description=_("file"))
    def file_link(self, evidence):
        url = reverse("admin:appeals_evidence_download", args=[evidence.appeal_id, evidence.pk])
        return format_html('<a class="evidence-download" href="{}">{}</a>', url, evidence.file_name)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_PERMISSION)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(PersonReadsLogged, admin.ModelAdmin):
    list_display = ("id", citizen_column, "event_link", "state", "filed_on", "deadline_display", "decided_by")
    list_filter = (SupervisorsQueueFilter, "state", OverdueFilter, "source_answer", "claim", "channel")
    search_fields = ("citizen__resident_id", "citizen__name", "=event__id")
    list_select_related = ("citizen", "event")
    readonly_fields = ("citizen", "event_link", "filed_by", "filed_at", "channel", "claim", "grounds", "evidence",
                       "late_reason", "state", "deadline", "overdue", "source_due", "source_answer",
                       "source_answered_at", "source_answered_by", "source_reasons", "source_evidence",
                       "suspended_at", "decided_by", "decided_at", "decision_reasons", "policy_version")
    fields = readonly_fields
    inlines = [TransitionInline, EvidenceInline]
    change_form_template = "admin/appeals/appeal/change_form.html"

    @admin.display(description=gettext_lazy("event"))
    def event_link(self, appeal):
        try:
            url = reverse("admin:points_event_change", args=[appeal.event_id])
        except NoReverseMatch:  # events not registered in this admin site
            return f"#{appeal.event_id} {event_type_title(appeal.event.event_type)}"
        return format_html('<a href="{}">#{} {}</a>', url, appeal.event_id, event_type_title(appeal.event.event_type))

    @admin.display(description=gettext_lazy("filed"), ordering="filed_at")
    def filed_on(self, appeal):
        return formats.date_format(timezone.localtime(appeal.filed_at), "SHORT_DATE_FORMAT")

    @admin.display(description=gettext_lazy("decision due"), ordering="deadline")
    def deadline_display(self, appeal):
        """The deadline, marked only when it has passed on an open appeal (the same test as the filter)."""
        day = formats.date_format(appeal.deadline, "SHORT_DATE_FORMAT")
        if appeal.is_overdue(timezone.localdate()):
            return format_html('{} <strong class="appeal-overdue" style="color:#ba2121">{}</strong>', day,
                               _("overdue"))
        return day

    @admin.display(description=gettext_lazy("overdue"))
    def overdue(self, appeal):
        return _("yes, decision overdue") if appeal.is_overdue(timezone.localdate()) else _("no")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return holds(request.user, FILE_PERMISSION)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        download = self.admin_site.admin_view(self.evidence_download)
        return [path("<int:appeal_id>/decide/", decide, name="appeals_appeal_decide"),
                path("<int:appeal_id>/evidence/<int:evidence_id>/", download, name="appeals_evidence_download"),
                ] + super().get_urls()

    def evidence_download(self, request, appeal_id, evidence_id):
        """One evidence file, to staff who may view appeals; the read is access-logged."""
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        evidence = get_object_or_404(Evidence.objects.select_related("appeal__citizen"), pk=evidence_id,
                                     appeal_id=appeal_id)
        admin_read_record(request, citizen=evidence.appeal.citizen, action="appeal.evidence",
                          purpose=_("evidence %(id)s of appeal %(appeal)s") % {"id": evidence.pk,
                                                                               "appeal": appeal_id})
        return FileResponse(open(evidence_path(evidence), "rb"), as_attachment=True, filename=evidence.file_name,
                            content_type=evidence.content_type)

    def add_view(self, request, form_url="", extra_context=None):
        """File an appeal on the citizen's behalf (appeals.services.appeal_file)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        initial = {"event": request.GET.get("event")} if request.GET.get("event") else None
        form = AppealFileForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                data = form.cleaned_data
                appeal = services.appeal_file(event=data["event"], grounds=data["grounds"],
                                              by=request.user.get_username(), channel=Appeal.Channel.ADMIN,
                                              claim=data["claim"], evidence=data["evidence"],
                                              late_reason=data["late_reason"])
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, f"Appeal #{appeal.pk} filed; a decision is due by {appeal.deadline}.")
                return redirect("admin:appeals_appeal_change", appeal.pk)
        context = {**self.admin_site.each_context(request), "title": _("File an appeal"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/appeals/appeal/file.html", context)

    def decide_view(self, request, appeal_id):
        """Its own page (never nested in the change form): start the review, uphold or reject, with reasons.

        The services refuse the filer (separation of duties); the refusal is shown on the page.
        """
        if not holds(request.user, DECIDE_PERMISSION):
            raise PermissionDenied
        appeal = get_object_or_404(Appeal.objects.select_related("citizen", "event"), pk=appeal_id)
        form = AppealDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                decide = DECISIONS[form.cleaned_data["action"]]
                decide(appeal, form.cleaned_data["reasons"], request.user.get_username())
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                appeal.refresh_from_db()
                self.message_user(request, _("Appeal #%(id)s is now %(state)s.")
                                  % {"id": appeal.pk, "state": appeal.get_state_display()})
                return redirect("admin:appeals_appeal_change", appeal.pk)
        context = {**self.admin_site.each_context(request), "title": _("Decide appeal #%(id)s") % {"id": appeal.pk},
                   "appeal": appeal, "form": form, "opts": self.model._meta,
                   "is_filer": appeal.filed_by == request.user.get_username()}
        return TemplateResponse(request, "admin/appeals/appeal/decide.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        appeal = self.get_object(request, object_id)
        if appeal is not None and appeal.is_open and holds(request.user, DECIDE_PERMISSION):
            extra_context["decide_url"] = reverse("admin:appeals_appeal_decide", args=[appeal.pk])
            extra_context["is_filer"] = appeal.filed_by == request.user.get_username()
        return super().change_view(request, object_id, form_url, extra_context)
