"""Admin pages that are not model lists: the dashboard and the policy in force.

Both are wrapped by ``admin.site.admin_view`` (login, staff) and check their own permission.
"""
import datetime
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from officials import charts
from officials.labels import event_type_title, policy_version_label, policy_version_status
from officials.selectors import (
    data_version,
    district_list,
    events_per_type_per_month,
    grade_distribution,
    points_per_rule,
    score_histogram,
)
from rules.models import PolicyVersion
from rules.registry import current_policy

PERIODS = {"365": (gettext_lazy("last 12 months"), 365), "90": (gettext_lazy("last 90 days"), 90),
           "all": (gettext_lazy("all time"), None)}


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def dashboard(request):
    """Grade distribution, score histogram, events per type per month and points per rule."""
    _require(request, "officials.view_dashboard")
    districts = district_list()
    district = request.GET.get("district") if request.GET.get("district") in districts else None
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else "365"
    figures, as_of = _figures(district, period)
    context = {
        **admin.site.each_context(request), "title": _("Dashboard"), "districts": districts, "district": district,
        "periods": [(key, label) for key, (label, _) in PERIODS.items()], "period": period, "as_of": as_of,
        **figures,
    }
    return TemplateResponse(request, "admin/officials/dashboard.html", context)


def _figures(district, period) -> tuple[dict, datetime.datetime]:
    """The dashboard's figures and charts, and when they were computed.

    The aggregates scan the events and the ledger, whose size grows without bound, so they are cached,
    keyed by the data's version: the highest event and ledger ids (every report, retraction, void,
    expiry and enrolment adds a ledger entry) and the policy version. New data changes the key, so
    figures are never stale; ``OFFICIALS_DASHBOARD_CACHE_SECONDS`` (default 600, 0 = off) bounds
    how long an unused entry is kept and how far the rolling "last N days" window may lag.
    """
    seconds = getattr(settings, "OFFICIALS_DASHBOARD_CACHE_SECONDS", 600)
    if not seconds:
        return _compute_figures(district, period), timezone.now()
    key = "officials:dashboard:" + ":".join(map(str, (district, period, *data_version())))
    return cache.get_or_set(key, lambda: (_compute_figures(district, period), timezone.now()), seconds)


def _compute_figures(district, period) -> dict:
    days = PERIODS[period][1]
    since = timezone.now() - datetime.timedelta(days=days) if days else None
    policy = current_policy()
    return {**_grade_section(district, policy), **_histogram_section(district, policy),
            **_events_section(district), **_rules_section(district, since)}


def _grade_section(district, policy):
    counts = grade_distribution(district=district)
    grades = [band.grade for band in policy.grades]
    total = sum(counts.values())
    rows = [(g, counts.get(g, 0), 100 * counts.get(g, 0) / total if total else 0) for g in grades]
    chart = charts.bar_chart(bars=[(g, n, charts.GRADE_COLOURS.get(g)) for g, n, _ in rows],
                             title=_("Enrolled citizens per grade"), y_label=_("citizens"))
    return {"grade_rows": rows, "grade_total": total, "grade_chart": chart}


def _histogram_section(district, policy):
    buckets = score_histogram(district=district)
    bars = [(start, n, charts.GRADE_COLOURS.get(policy.grade_for(start))) for start, n in buckets]
    chart = charts.bar_chart(bars=bars, title=_("Score histogram (50-point buckets)"), y_label=_("citizens"),
                             width=720)
    return {"histogram": buckets, "histogram_chart": chart}


def _events_section(district):
    months, by_type = events_per_type_per_month(district=district)
    series = {event_type_title(name): values for name, values in by_type.items()}
    labels = [f"{m:%Y-%m}" for m in months]
    chart = charts.stacked_bar_chart(categories=[dateformat.format(m, "M y") for m in months],
                                     series=list(series.items()),
                                     title=_("Applied events per type per month (by date of occurrence)"),
                                     y_label=_("events"))
    totals = [sum(values[i] for values in series.values()) for i in range(len(months))]
    return {"event_months": labels, "event_series": series, "event_totals": totals, "events_chart": chart}


def _rules_section(district, since):
    rows = points_per_rule(district=district, since=since)
    for row in rows:  # the opening entries' title is the register's own text, in the reader's language
        if row["rule_id"] == "starting_points":
            row["rule_title"] = _("Starting points on enrolment")
    chart = charts.diverging_bar_chart(rows=[(row["rule_title"], row["net"]) for row in rows[:20]],
                                       title=_("Net points moved per rule"))
    return {"rule_rows": rows, "rules_chart": chart}


def _version_rows(in_force_hash: str) -> list:
    """The newest stored versions as (version, number, status), numbered oldest first."""
    versions = list(PolicyVersion.objects.only("hash", "created_at", "published", "published_at", "author",
                                               "message")[:50])
    total = PolicyVersion.objects.count()
    return [(v, total - i, policy_version_status(v, in_force_hash=in_force_hash), v.hash == in_force_hash)
            for i, v in enumerate(versions)]


def _in_force_label(in_force_hash: str) -> str:
    stored = PolicyVersion.objects.filter(hash=in_force_hash).first()
    if stored is None:
        return _("The policy files as loaded (not stored yet: a version is stored with the first ledger entry)")
    return policy_version_label(stored, in_force_hash=in_force_hash)


def policy_in_force(request):
    """The policy the system scores with now: event types, rules, grades, services, and stored versions."""
    _require(request, "officials.view_policy")
    policy = current_policy()
    grades = [band.grade for band in policy.grades]
    context = {
        **admin.site.each_context(request), "title": _("Policy in force"), "policy": policy,
        "event_types": sorted(policy.event_types.values(), key=lambda t: t.name),
        "rules": sorted(policy.rules.values(), key=lambda r: (r.event_type, r.id)),
        "grades": policy.grades, "grade_letters": grades,
        "services": [(s, [s.effects.get(g) for g in grades]) for s in policy.services.values()],
        "versions": _version_rows(policy.version), "in_force_label": _in_force_label(policy.version),
        "may_view_versions": request.user.has_perm("rules.view_policyversion"),
    }
    return TemplateResponse(request, "admin/officials/policy.html", context)


FAVICON = Path(__file__).resolve().parent / "static" / "officials" / "favicon.svg"


def favicon(request):
    """The site's icon at /favicon.ico, where browsers ask for it before reading any page's link."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
