"""List filters whose choices come from the policy, not from SELECT DISTINCT over millions of rows."""
from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from officials.selectors import district_list
from points.services import ENROLMENT_EVENT_TYPE
from rules.registry import current_policy


def _policy():
    return current_policy()


class EventTypeFilter(admin.SimpleListFilter):
    title = "event type"
    parameter_name = "event_type"

    def lookups(self, request, model_admin):
        types = [(t.name, t.title) for t in _policy().event_types.values()]
        return [(ENROLMENT_EVENT_TYPE, "enrolment"), *sorted(types)]

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


class RuleFilter(admin.SimpleListFilter):
    title = "rule"
    parameter_name = "rule_id"

    def lookups(self, request, model_admin):
        rules = sorted((rule.id, rule.title) for rule in _policy().rules.values())
        return [("starting_points", "Starting points on enrolment"), *rules]

    def queryset(self, request, queryset):
        return queryset.filter(rule_id=self.value()) if self.value() else queryset


class EnrolmentFilter(admin.SimpleListFilter):
    title = "enrolment"
    parameter_name = "enrolled"

    def lookups(self, request, model_admin):
        return [("yes", "enrolled"), ("no", "not enrolled"), ("last30", "enrolled in the last 30 days")]

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

    title = "district"
    parameter_name = "district"

    def lookups(self, request, model_admin):
        return [(d, d) for d in district_list()]

    def queryset(self, request, queryset):
        return queryset.filter(district=self.value()) if self.value() else queryset


class GradeFilter(admin.SimpleListFilter):
    title = "grade"
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [(band.grade, f"grade {band.grade}") for band in _policy().grades]

    def queryset(self, request, queryset):
        return queryset.filter(grade=self.value()) if self.value() else queryset
