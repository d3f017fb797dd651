"""Who may call which endpoint: agencies by kind, staff users by the permissions of their role.

Each endpoint names one class below. A staff user needs ``is_staff`` and every permission in
``staff_permissions``, held through a ``setup_roles`` group (``officials/roles.py``) — the same
permissions the admin asks, checked by ``points.duties.holds``, which ignores superuser status.
A signed-in user who is not staff, or staff without the permissions, gets 403; a caller with no
credentials 401. Refusals say why, in the API's error shape (``api/exceptions.py``).
"""
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from api.authentication import request_agency
from points.duties import holds
from points.models import Agency

REPORTING, SERVICE = Agency.Kind.REPORTING, Agency.Kind.SERVICE


class CallerPermission(BasePermission):
    """Allows agencies of ``agency_kinds`` and staff holding all of ``staff_permissions`` (none: no staff)."""

    agency_kinds: tuple = ()
    staff_permissions: tuple = ()

    def has_permission(self, request, view):
        agency = request_agency(request)
        if agency is not None:
            if self.agency_allowed(agency):
                return True
            self.message = self.agency_refusal(agency)
            return False
        user = request.user
        if not user.is_authenticated:
            return False  # DRF answers 401 with the WWW-Authenticate challenge
        if not self.staff_permissions:
            self.message = self.staff_refusal()
            return False
        if not user.is_staff:
            self.message = _("Only agencies with a token and officials (staff users in an official role) may use "
                             "this API.")
            return False
        missing = [permission for permission in self.staff_permissions if not holds(user, permission)]
        if missing:
            self.message = _("Your role does not allow this; it needs the permission %(permissions)s "
                             "(see 'manage.py setup_roles').") % {"permissions": ", ".join(missing)}
            return False
        return True

    def agency_allowed(self, agency) -> bool:
        return agency.kind in self.agency_kinds

    def agency_refusal(self, agency) -> str:
        return _("Agencies of kind '%(kind)s' may not do this.") % {"kind": agency.kind}

    def staff_refusal(self) -> str:
        return _("Staff users cannot do this through the API.")


class DenyAll(CallerPermission):
    """The default for a view that names no permission: nobody."""


class ReadCatalogue(CallerPermission):
    """Event types, services, the policy in force: every agency; staff who may view the policy."""

    agency_kinds = (REPORTING, SERVICE)
    staff_permissions = ("officials.view_policy",)


class ReportEvents(CallerPermission):
    """Reporting events: reporting agencies only."""

    agency_kinds = (REPORTING,)

    def agency_refusal(self, agency) -> str:
        return _("Service agencies may only ask eligibility; they report no events.")

    def staff_refusal(self) -> str:
        return _("Events are reported by agencies with their token; officials record adjustments in the admin.")


class RetractEvent(CallerPermission):
    """Retracting: the reporting agency (its own reports; the service checks) or an official."""

    agency_kinds = (REPORTING,)
    staff_permissions = ("officials.retract_event",)

    def agency_refusal(self, agency) -> str:
        return _("Service agencies may only ask eligibility; they cannot retract reports.")


class ReadStanding(CallerPermission):
    """A citizen's standing: staff who may view citizens; no agency."""

    staff_permissions = ("citizens.view_citizen",)

    def agency_refusal(self, agency) -> str:
        return _("Agencies may not read a citizen's standing: reporting agencies see only the ledger entries "
                 "their reports caused; service agencies ask eligibility.")


class ReadLedger(CallerPermission):
    """A citizen's ledger: a reporting agency (its own entries) or staff who may view citizens and ledgers."""

    agency_kinds = (REPORTING,)
    staff_permissions = ("citizens.view_citizen", "points.view_ledgerentry")

    def agency_refusal(self, agency) -> str:
        return _("Service agencies may only ask eligibility; they cannot read ledgers.")


class AskEligibility(CallerPermission):
    """Eligibility: service agencies, and staff granted ``officials.view_eligibility``."""

    agency_kinds = (SERVICE,)
    staff_permissions = ("officials.view_eligibility",)

    def agency_refusal(self, agency) -> str:
        return _("Reporting agencies may not ask eligibility; they may read only the ledger entries their own "
                 "reports caused.")


class ReadStatement(CallerPermission):
    """A citizen's full statement: staff who may view citizens, ledgers and appeals; no agency."""

    staff_permissions = ("citizens.view_citizen", "points.view_ledgerentry", "appeals.view_appeal")

    def agency_refusal(self, agency) -> str:
        return _("Agencies may not read a citizen's statement.")


class _AppealOffice(CallerPermission):
    """Agencies listed in ``settings.APPEAL_FILING_AGENCIES`` (e.g. a legal-aid office), of any kind."""

    def agency_allowed(self, agency) -> bool:
        return agency.code in getattr(settings, "APPEAL_FILING_AGENCIES", [])

    def agency_refusal(self, agency) -> str:
        return _("Agency %(code)s is not authorised to file appeals; an official files them in the admin, or "
                 "the office is listed in APPEAL_FILING_AGENCIES.") % {"code": agency.code}


class FileAppeal(_AppealOffice):
    """Filing an appeal on a citizen's behalf: appeal offices, and officials."""

    staff_permissions = ("appeals.add_appeal",)


class ReadAppeal(_AppealOffice):
    """Reading an appeal: the office that filed it or the agency whose report it contests (the view
    checks), and staff who may view appeals."""

    staff_permissions = ("appeals.view_appeal",)

    def agency_allowed(self, agency) -> bool:
        return agency.kind == REPORTING or super().agency_allowed(agency)


class AnswerAppeal(CallerPermission):
    """The inbox of appeals against an agency's reports, and its answers: reporting agencies (their own
    reports only: the view answers 404 for another's)."""

    agency_kinds = (REPORTING,)

    def agency_refusal(self, agency) -> str:
        return _("Only the agency that reported an event answers appeals against it.")

    def staff_refusal(self) -> str:
        return _("Officials see and decide appeals in the admin or through /api/v1/appeals/.")


class LiftEvent(CallerPermission):
    """Recording a fulfilled obligation: the reporting agency (its own report; the service checks), or an
    official on the citizen's proof."""

    agency_kinds = (REPORTING,)
    staff_permissions = ("appeals.correct_event",)

    def agency_refusal(self, agency) -> str:
        return _("Service agencies may only ask eligibility; they report no events.")


class DecideAppeal(CallerPermission):
    """Reviewing, upholding, rejecting an appeal: officials only (never the filer: ``appeals.services``)."""

    staff_permissions = ("appeals.decide_appeal",)

    def agency_refusal(self, agency) -> str:
        return _("Agencies may not review or decide appeals.")


class CorrectEvent(CallerPermission):
    """Correcting an event: officials only."""

    staff_permissions = ("appeals.correct_event",)

    def agency_refusal(self, agency) -> str:
        return _("Agencies may not correct events; they retract their own reports and report again.")
