"""Admin for the citizen register: find a person fast, see why their score is what it is.

The detail page adds the standing, the eligibility for every service, a score chart with the grade
bands and the explained ledger (newest first, paginated) to the read-only record.
"""
import re

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from audit.admin_mixins import admin_read_record, resident_search_logged
from citizens.masking import mask_resident_id
from citizens.models import Citizen, ContactChange
from citizens.services import contact_changes_record
from citizens.validators import normalize_resident_id
from core.exceptions import ApplicationError
from officials.admin_filters import DistrictFilter, EnrolmentFilter, GradeFilter
from officials.admin_mixins import grade_badge
from officials.citizen_page import citizen_page_context
from officials.labels import policy_version_short
from officials.selectors import citizens_with_id_prefix
from points.services import citizen_enroll

RESIDENT_ID = re.compile(r"^\d{17}[\dXx]$")
RESIDENT_ID_PREFIX = re.compile(r"^\d{4,17}$")


def _normalized(to_python):
    return lambda value: normalize_resident_id(to_python(value))


@admin.register(Citizen)
class CitizenAdmin(admin.ModelAdmin):
    # The list shows IDs masked; the whole number is on the person's own page (docs/admin.md).
    list_display = ["masked_resident_id", "name", "district", "status", "score", "grade_display", "enrolled_at"]
    list_filter = [DistrictFilter, GradeFilter, "status", EnrolmentFilter]
    search_fields = ["resident_id", "name"]  # the actual lookups are in get_search_results
    search_help_text = _("A full resident ID, the first digits of one, or part of a name.")
    show_full_result_count = False
    list_per_page = 50
    change_form_template = "admin/citizens/citizen/change_form.html"
    fieldsets = [
        (_("Identity"), {"fields": ["resident_id", "name", "birth_date", "sex"]}),
        (_("Residence"), {"fields": ["district", "status"]}),
        (_("Register"), {"fields": ["enrolled_at", "created_at"]}),
        (_("Contacts"), {"fields": ["mobile", "email", "postal_address", "preferred_channel", "contact_consent",
                                    "contact_consent_at", "contact_history"]}),
    ]
    standing_fields = ["enrolled_at", "score", "grade", "grade_changed_at", "created_at", "contact_history"]

    @admin.display(description=_("contact history"))
    def contact_history(self, obj):
        """Every change of the person's contacts, newest first (read-only; ``ContactChange``)."""
        changes = ContactChange.objects.filter(citizen=obj)[:50] if obj and obj.pk else []
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td></tr>",
                                ((timezone.localtime(c.changed_at).strftime("%Y-%m-%d %H:%M"), c.field, c.old_value,
                                  c.new_value, c.changed_by, c.get_source_display()) for c in changes))
        return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                           _("when"), _("field"), _("was"), _("became"), _("by"), rows) if changes else _("none")

    @admin.display(description=_("resident ID number"), ordering="resident_id")
    def masked_resident_id(self, obj):
        return mask_resident_id(obj.resident_id)

    @admin.display(description=_("grade"), ordering="grade")
    def grade_display(self, obj):
        return grade_badge(obj.grade)

    def get_search_results(self, request, queryset, search_term):
        resident_search_logged(request, self, search_term)
        term = search_term.strip()
        if not term:
            return queryset, False
        if RESIDENT_ID.match(term):
            return queryset.filter(resident_id=normalize_resident_id(term)), False
        if RESIDENT_ID_PREFIX.match(term):
            return citizens_with_id_prefix(queryset, term), False
        return queryset.filter(name__icontains=term), False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "resident_id" in form.base_fields:  # the add form: a typed lowercase x is stored as X
            form.base_fields["resident_id"].to_python = _normalized(form.base_fields["resident_id"].to_python)
        return form

    def get_readonly_fields(self, request, obj=None):
        # Score and grade only ever move through the ledger; identity is fixed once registered.
        # A person's page opens read-only: fields become editable after an explicit Edit (?edit=1).
        if obj is not None and not self._editing(request):
            return [name for _title, options in self.fieldsets for name in options["fields"]]
        return self.standing_fields + (["resident_id", "birth_date"] if obj else [])

    @staticmethod
    def _editing(request) -> bool:
        return request.method == "POST" or request.GET.get("edit") == "1"

    def has_delete_permission(self, request, obj=None):
        return False  # a person's record and ledger are kept; use status (moved away, deceased)

    def save_model(self, request, obj, form, change):
        before = Citizen.objects.get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        if before is not None:  # the admin's transaction holds the row and its contact history
            contact_changes_record(before=before, citizen=obj, by=request.user.get_username(), source="admin")
        if change or obj.status != Citizen.Status.ACTIVE:
            return
        try:
            citizen_enroll(citizen=obj)
            obj.refresh_from_db()
            self.message_user(request, f"{obj.name} enrolled with {obj.score} points.", messages.SUCCESS)
        except ApplicationError as exc:
            self.message_user(request, f"Registered but not enrolled: {exc.message}", messages.WARNING)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        citizen = self.get_object(request, object_id)
        extra = citizen_page_context(citizen=citizen, user=request.user, page=request.GET.get("ledger_page"))\
            if citizen else {}
        if citizen is not None and request.method == "GET":
            # Every official's look at a person's record is logged, as API reads are (audit.services).
            admin_read_record(request, citizen=citizen, action="citizen.view", purpose="citizen page")
        if extra.get("policy_version"):
            extra["policy_label"] = policy_version_short(extra["policy_version"])
        editing = self._editing(request)
        may_edit = citizen is not None and self.has_change_permission(request, citizen)
        extra.update({"editing": editing, "may_edit": may_edit and not editing})
        if not editing:
            extra.update({"title": _("View citizen"), "show_save": False, "show_save_and_continue": False,
                          "show_save_and_add_another": False, "show_delete": False})
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})
