"""Admin for agencies, events, ledger entries and grade changes.

The admin is a window, not a pen: events and ledger entries are read-only for everyone; the only
writes (retraction, agency creation, deactivation, token rotation) call service functions.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import PersonReadsLogged
from core.exceptions import ApplicationError
from officials.admin_filters import AgencyFilter, EventTypeFilter, RuleFilter
from officials.admin_mixins import ReadOnlyAdminMixin, citizen_link, grade_badge
from officials.labels import attributes_text, event_type_title, policy_label_for_hash, policy_version_short
from officials.paginators import EstimatedCountPaginator
from officials.services import RETRACT_PERMISSION, event_retract_by_official
from points.agencies import agency_create, agency_deactivate, agency_rotate_token, agency_set_services
from points.duties import holds
from points.models import Agency, Event, GradeChange, LedgerEntry
from rules.registry import current_policy

# --- agencies ----------------------------------------------------------------


class AgencyCreateForm(forms.ModelForm):
    """What an official types to create an agency; the token is made by the service."""

    event_types = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    services = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label=_("Services"),
        help_text=_("For a service agency: the services it provides, the only ones it may ask eligibility for."),
    )

    class Meta:
        model = Agency
        fields = ["code", "name", "kind", "event_types", "services"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = current_policy().event_types.values()
        self.fields["event_types"].choices = [(t.name, t.title) for t in types if not t.system]
        self.fields["services"].choices = service_choices()
        self.fields["kind"].choices = [(k, label) for k, label in Agency.Kind.choices if k != Agency.Kind.SYSTEM]


def service_choices() -> list:
    return [(s.code, s.name) for s in current_policy().services.values()]


class AgencyServicesForm(forms.Form):
    """The services a service agency provides (changed through ``agency_set_services``)."""

    services = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label=_("Services"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = service_choices()


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_display", "kind", "is_active", "token_prefix", "event_type_list", "service_list",
                    "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    fields = readonly_fields = ["code", "name", "kind", "event_types", "services", "is_active", "token_prefix",
                                "created_at"]
    actions = ["deactivate_selected"]
    change_form_template = "admin/points/agency/change_form.html"

    @admin.display(description=_("name"), ordering="name")
    def name_display(self, obj):
        return obj.display_name

    @admin.display(description=_("event types"))
    def event_type_list(self, obj):
        return "; ".join(event_type_title(name) for name in obj.event_types) or "—"

    @admin.display(description=_("services"))
    def service_list(self, obj):
        from rules.registry import current_policy

        services = current_policy().services
        return "; ".join(services[c].name if c in services else c for c in obj.services) or "—"

    def has_change_permission(self, request, obj=None):
        return False  # changes go through deactivate / rotate token, never a free edit

    def has_delete_permission(self, request, obj=None):
        return False  # agencies' reports stay on the record

    def _may_manage(self, request):
        return request.user.has_perm("points.change_agency")

    def add_view(self, request, form_url="", extra_context=None):
        """Create through ``agency_create``; the new token is shown once, on the response page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AgencyCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                agency, token = agency_create(**{name: form.cleaned_data[name] for name in form.Meta.fields})
            except ApplicationError as exc:
                _add_errors(form, exc)
            else:
                self.log_addition(request, agency, "Created with a new API token")
                return self._token_page(request, agency, token, "created")
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.opts,
                   "title": _("Add agency")}
        return TemplateResponse(request, "admin/points/agency/add.html", context)

    def _token_page(self, request, agency, token, what):
        context = {**self.admin_site.each_context(request), "agency": agency, "token": token, "what": what,
                   "opts": self.opts, "title": f"API token for {agency.code}"}
        response = TemplateResponse(request, "admin/points/agency/token.html", context)
        response["Cache-Control"] = "no-store"  # the token is shown once and never cached
        return response

    def get_urls(self):
        view = self.admin_site.admin_view(self.rotate_token_view)
        services = self.admin_site.admin_view(self.services_view)
        return [path("<int:pk>/rotate-token/", view, name="points_agency_rotate_token"),
                path("<int:pk>/services/", services, name="points_agency_services"), *super().get_urls()]

    def services_view(self, request, pk):
        """Change the services a service agency provides (agency managers only)."""
        if not self._may_manage(request):
            raise PermissionDenied
        agency = get_object_or_404(Agency, pk=pk, kind=Agency.Kind.SERVICE)
        form = AgencyServicesForm(request.POST or None, initial={"services": agency.services})
        if request.method == "POST" and form.is_valid():
            try:
                agency_set_services(agency=agency, services=form.cleaned_data["services"])
            except ApplicationError as exc:
                _add_errors(form, exc)
            else:
                self.log_change(request, agency, _("Services set to: %(services)s")
                                % {"services": ", ".join(agency.services) or "—"})
                return redirect("admin:points_agency_change", agency.pk)
        context = {**self.admin_site.each_context(request), "agency": agency, "form": form, "opts": self.opts,
                   "title": _("Services of %(code)s") % {"code": agency.code}}
        return TemplateResponse(request, "admin/points/agency/services.html", context)

    def rotate_token_view(self, request, pk):
        if not self._may_manage(request):
            raise PermissionDenied
        agency = get_object_or_404(Agency, pk=pk)
        if request.method == "POST":
            try:
                token = agency_rotate_token(agency=agency)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return redirect("admin:points_agency_change", agency.pk)
            self.log_change(request, agency, "API token rotated")
            return self._token_page(request, agency, token, "rotated")
        context = {**self.admin_site.each_context(request), "agency": agency, "opts": self.opts,
                   "title": f"Rotate the API token of {agency.code}?"}
        return TemplateResponse(request, "admin/points/agency/rotate_confirm.html", context)

    @admin.action(description=_("Deactivate selected agencies"), permissions=["manage"])
    def deactivate_selected(self, request, queryset):
        for agency in queryset:
            try:
                agency_deactivate(agency=agency)
                self.log_change(request, agency, "Deactivated")
                self.message_user(request, f"{agency.code} deactivated.", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{agency.code}: {exc.message}", messages.ERROR)

    def has_manage_permission(self, request):
        return self._may_manage(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "may_manage": self._may_manage(request)}
        return super().change_view(request, object_id, form_url, extra_context)


def _add_errors(form, exc: ApplicationError) -> None:
    """Show a service's refusal on the form, on the fields it names."""
    named = {k: v for k, v in exc.field_errors.items() if k in form.fields}
    for name, messages_ in named.items():
        form.add_error(name, messages_)
    if not named:
        form.add_error(None, exc.message)


# --- events --------------------------------------------------------------------


class EntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The ledger entries an event caused, including their reversals."""

    model = LedgerEntry
    fk_name = "event"
    fields = ["id", "kind", "rule_display", "delta", "balance_after", "reverses", "reason", "created_at"]
    readonly_fields = fields
    ordering = ["id"]
    extra = 0
    can_delete = False
    show_change_link = True

    @admin.display(description=_("rule"))
    def rule_display(self, obj):
        return obj.title


class RetractForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), strip=True,
                             help_text=_("Shown on the citizen's record. Required."))


@admin.register(Event)
class EventAdmin(PersonReadsLogged, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "event_type_display", "citizen_display", "agency_name", "occurred_at", "status"]
    list_filter = [EventTypeFilter, AgencyFilter, "status", ("occurred_at", admin.DateFieldListFilter)]
    ordering = ["-id"]  # the order reports arrived in, which the ID column says
    list_select_related = ["citizen", "agency"]
    search_fields = ["=citizen__resident_id", "=idempotency_key", "=id"]
    search_help_text = _("Exact resident ID, idempotency key or event number.")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # per-choice counts over a million rows
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["citizen", "event_type_display", "agency_name", "reported_by", "occurred_at",
                           "reported_at", "attributes_display", "policy_display", "status", "status_reason",
                           "status_changed_at", "status_changed_by", "corrects"]}),
        # What the API and the integrity checks match reports by; folded away for everyday reading.
        (_("Technical"), {"fields": ["idempotency_key", "fingerprint"], "classes": ["collapse"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    @admin.display(description=_("event type"), ordering="event_type")
    def event_type_display(self, obj):
        return event_type_title(obj.event_type)

    @admin.display(description=_("agency"), ordering="agency__name")
    def agency_name(self, obj):
        return obj.agency.display_name

    @admin.display(description=_("attributes"))
    def attributes_display(self, obj):
        return attributes_text(obj.attributes)

    @admin.display(description=_("policy version"))
    def policy_display(self, obj):
        return policy_label_for_hash(obj.policy_version)

    @admin.display(description=_("rule"), ordering="rule_title")
    def rule_display(self, obj):
        return obj.title if obj.policy_version else "—"
    inlines = [EntryInline]
    actions = ["retract_selected"]
    change_form_template = "admin/points/event/change_form.html"

    @admin.display(description=_("citizen"), ordering="citizen__resident_id")
    def citizen_display(self, obj):
        return citizen_link(obj.citizen)

    def has_retract_permission(self, request):
        return holds(request.user, RETRACT_PERMISSION)

    @admin.action(description=_("Retract selected events (with a written reason)"), permissions=["retract"])
    def retract_selected(self, request, queryset):
        events = list(queryset.select_related("citizen", "agency").order_by("id"))
        form = RetractForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._retract_all(request, events, form.cleaned_data["reason"])
            return None
        context = {**self.admin_site.each_context(request), "events": events, "form": form, "opts": self.opts,
                   "title": _("Retract events"), "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/points/event/retract_confirmation.html", context)

    def get_urls(self):
        view = self.admin_site.admin_view(self.retract_view)
        return [path("<int:pk>/retract/", view, name="points_event_retract"), *super().get_urls()]

    def retract_view(self, request, pk):
        """The same confirmation for one event, from its own page."""
        if not self.has_retract_permission(request):
            raise PermissionDenied
        event = get_object_or_404(Event.objects.select_related("citizen", "agency"), pk=pk)
        form = RetractForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._retract_all(request, [event], form.cleaned_data["reason"])
            return redirect("admin:points_event_change", event.pk)
        context = {**self.admin_site.each_context(request), "events": [event], "form": form, "opts": self.opts,
                   "title": _("Retract event"), "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/points/event/retract_confirmation.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"may_retract": self.has_retract_permission(request),
                 "may_appeal": holds(request.user, "appeals.add_appeal"),
                 "may_correct": holds(request.user, "appeals.correct_event")}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _retract_all(self, request, events, reason):
        done = []
        for event in events:
            try:
                entries = event_retract_by_official(event=event, reason=reason, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"Event #{event.pk} not retracted: {exc.message}", messages.ERROR)
                continue
            self.log_change(request, event, f"Retracted: {reason}")
            moved = -sum(e.delta for e in entries)
            done.append(f"#{event.pk} ({moved:+d} points reversed)" if entries else f"#{event.pk}")
        if done:
            self.message_user(request, f"Retracted {len(done)} event(s): {', '.join(done)}.", messages.SUCCESS)


# --- ledger ----------------------------------------------------------------------


@admin.register(LedgerEntry)
class LedgerEntryAdmin(PersonReadsLogged, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every ledger line, searchable; nobody, superusers included, may add, change or delete one."""

    # Newest first: the list's order is the column it says it sorts by (the model groups by citizen).
    list_display = ["id", "created_at", "citizen_display", "kind", "rule_display", "delta", "balance_after",
                    "event_link", "policy_version_short"]
    ordering = ["-id"]
    list_filter = ["kind", RuleFilter, ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["citizen", "event"]
    search_fields = ["=citizen__resident_id", "=rule_id", "=event__id"]
    search_help_text = _("Exact resident ID, rule id or event number.")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # per-choice counts over a million rows
    list_per_page = 50
    fields = ["citizen", "event", "kind", "rule_display", "policy_display", "delta", "balance_after",
              "reverses", "reason", "expires_on", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("policy version"))
    def policy_display(self, obj):
        return policy_label_for_hash(obj.policy_version)

    @admin.display(description=_("rule"), ordering="rule_title")
    def rule_display(self, obj):
        return obj.title

    @admin.display(description=_("citizen"), ordering="citizen__resident_id")
    def citizen_display(self, obj):
        return citizen_link(obj.citizen)

    @admin.display(description=_("event"))
    def event_link(self, obj):
        url = reverse("admin:points_event_change", args=[obj.event_id])
        return format_html('<a href="{}">#{} {}</a>', url, obj.event_id, event_type_title(obj.event.event_type))

    @admin.display(description=_("policy"))
    def policy_version_short(self, obj):
        return policy_version_short(obj.policy_version)


@admin.register(GradeChange)
class GradeChangeAdmin(PersonReadsLogged, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["changed_at", "citizen_display", "from_badge", "to_badge", "score", "entry"]
    list_filter = ["to_grade", "from_grade", ("changed_at", admin.DateFieldListFilter)]
    list_select_related = ["citizen", "entry"]
    search_fields = ["=citizen__resident_id"]
    show_full_result_count = False

    @admin.display(description=_("citizen"))
    def citizen_display(self, obj):
        return citizen_link(obj.citizen)

    @admin.display(description=_("from"))
    def from_badge(self, obj):
        return grade_badge(obj.from_grade)

    @admin.display(description=_("to"))
    def to_badge(self, obj):
        return grade_badge(obj.to_grade)
