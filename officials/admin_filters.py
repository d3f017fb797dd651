"""List filters whose choices come from the policy, not from SELECT DISTINCT over millions of rows."""
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from officials.labels import event_type_title
from officials.selectors import district_list
from points.services import ENROLMENT_EVENT_TYPE
from rules.registry import current_policy


def _policy():
    return current_policy()


class EventTypeFilter(admin.SimpleListFilter):
    title = _("event type")
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        types = sorted(((t.name, t.title) for t in _policy().event_types.values()), key=lambda pair: pair[1])
        return [(ENROLMENT_EVENT_TYPE, event_type_title(ENROLMENT_EVENT_TYPE)), *types]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


class AgencyFilter(admin.SimpleListFilter):
    """Agencies by name (their codes are for the API)."""

    title = _("agency")
    parameter_name = "agency__id__exact"  # the parameter Django's own filter used (links keep working)

    def lookups(self, request, model_admin):
        from points.models import Agency

        return [(str(agency.pk), agency.display_name) for agency in Agency.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(agency_id=self.value()) if self.value() and self.value().isdigit() else queryset


class RuleFilter(admin.SimpleListFilter):
    title = _("rule")
    parameter_name = "rule_id"

    def lookups(self, request, model_admin):
        rules = sorted((rule.id, rule.title) for rule in _policy().rules.values())
        return [("starting_points", _("Starting points on enrolment")), *sorted(rules, key=lambda pair: pair[1])]

    def queryset(self, request, queryset):
        return queryset.filter(rule_id=self.value()) if self.value() else queryset


class EnrolmentFilter(admin.SimpleListFilter):
    title = _("enrolment")
    parameter_name = "enrolled"

    def lookups(self, request, model_admin):
        return [("yes", _("enrolled")), ("no", _("not enrolled")), ("last30", _("enrolled in the last 30 days"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(enrolled_at__isnull=False)
        if value == "no":
            return queryset.filter(enrolled_at__isnull=True)
        if value == "last30":
            return queryset.filter(enrolled_at__gte=timezone.now() - timedelta(days=30))
        return queryset


class DistrictFilter(admin.SimpleListFilter):
    """Districts from the register (a short indexed DISTINCT, not a scan of events)."""

    title = _("district")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        return [(d, d) for d in district_list()]

    def queryset(self, request, queryset):
        return queryset.filter(district=self.value()) if self.value() else queryset


class GradeFilter(admin.SimpleListFilter):
    title = _("grade")
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(band.grade, _("grade %(letter)s") % {"letter": band.grade}) for band in _policy().grades]

    def queryset(self, request, queryset):
        return queryset.filter(grade=self.value()) if self.value() else queryset
