"""Demo data: invented citizens, agencies and reports, loaded idempotently."""
import json
import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db import transaction

from citizens.models import Citizen
from citizens.synthetic import contacts_for, people
from points.ingest import events_ingest
from points.models import Agency
from points.services import citizens_enroll_due
from points.synthetic import PILOT_START, reports
from rules.registry import current_policy

DEMO_AGENCIES = {
    "police": "Suining County Public Security Bureau",
    "court": "Suining County People's Court",
    "civil_affairs": "Suining County Civil Affairs Bureau",
    "media_office": "Suining County Media Office",
    "community": "Suicheng Community Service Centre",
    "red_cross": "Suining County Red Cross",
}
SERVICE_AGENCY = ("licensing", "Suining County Licensing Office")
# The licences and permits that office issues: the only services it may ask eligibility for.
SERVICE_AGENCY_SERVICES = ["business_licence", "construction_permit"]


def demo_agencies() -> list:
    """The reporting agencies named by the shipped policy, plus one service office."""
    policy = current_policy()
    agencies = []
    for code, name in DEMO_AGENCIES.items():
        types = sorted(t.name for t in policy.event_types.values() if code in t.reported_by)
        agency, _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "kind": Agency.Kind.REPORTING, "event_types": types}
        )
        agencies.append(agency)
    agency, _ = Agency.objects.update_or_create(
        code=SERVICE_AGENCY[0],
        defaults={"name": SERVICE_AGENCY[1], "kind": Agency.Kind.SERVICE, "services": SERVICE_AGENCY_SERVICES},
    )
    return agencies + [agency]


def demo_citizens(count: int) -> None:
    """Register ``count`` invented residents with invented contacts (once) and enrol everyone due."""
    if not Citizen.objects.exists():
        Citizen.objects.bulk_create(Citizen(**person, **contacts_for(person)) for person in people(count))
    citizens_enroll_due(at=PILOT_START)
    citizens_enroll_due()


def demo_reports(count: int):
    """Apply ``count`` invented reports about citizens enrolled since the pilot began."""
    ids = list(
        Citizen.objects.filter(enrolled_at=PILOT_START).order_by("pk").values_list("resident_id", flat=True)
    )
    lines = ((n, json.dumps(r)) for n, r in enumerate(reports(ids, count), start=1))
    return events_ingest(lines=lines)


def demo_admin(username: str = "admin") -> str:
    """Create the demo superuser, or give it a fresh password and lift any sign-in lockout; returns the password."""

    password = secrets.token_urlsafe(10)
    user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": "admin@example.org"})
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    axes_reset(username=username)  # the printed login must work even after wrong guesses
    return password


@transaction.atomic
def demo_setup(*, citizens: int = 500, events: int = 3000) -> dict:
    """Everything ``make run`` needs; safe to run on every start."""
    agencies = demo_agencies()
    demo_citizens(citizens)
    ingest = demo_reports(events)
    return {"agencies": agencies, "ingest": ingest, "password": demo_admin()}
