"""Who may do what. Each endpoint names one role; refusals say why."""
from rest_framework.permissions import BasePermission

from api.authentication import request_agency, request_is_official
from points.models import Agency

NOT_OFFICIAL = "Only officials (staff users) and agencies with a token may use this API."


class Role(BasePermission):
    """Allows agencies of ``agency_kinds`` and, if ``officials``, staff users."""

    agency_kinds: tuple = ()
    officials = True
    refusals: dict = {}
    refuse_officials = "Officials cannot do this through the API."

    def has_permission(self, request, view):
        agency = request_agency(request)
        if agency is not None:
            if agency.kind in self.agency_kinds:
                return True
            self.message = self.refusals.get(agency.kind, f"Agencies of kind '{agency.kind}' may not do this.")
            return False
        if request_is_official(request):
            if self.officials:
                return True
            self.message = self.refuse_officials
            return False
        self.message = NOT_OFFICIAL
        return False


class AgencyOrOfficial(Role):
    """The catalogue: every caller."""

    agency_kinds = (Agency.Kind.REPORTING, Agency.Kind.SERVICE)


class ReportingAgency(Role):
    """Reporting events: only reporting agencies."""

    agency_kinds = (Agency.Kind.REPORTING,)
    officials = False
    refusals = {Agency.Kind.SERVICE: "Service agencies may only ask eligibility; they report no events."}
    refuse_officials = ("Events are reported by agencies with their token; "
                        "officials record adjustments in the admin.")


class ReportingAgencyOrOfficial(Role):
    """Retractions and ledgers: the reporting agency (for its own reports) or an official."""

    agency_kinds = (Agency.Kind.REPORTING,)
    refusals = {Agency.Kind.SERVICE: "Service agencies may only ask eligibility; they cannot read ledgers "
                                     "or retract reports."}


class ServiceAgencyOrOfficial(Role):
    """Eligibility: service agencies and officials."""

    agency_kinds = (Agency.Kind.SERVICE,)
    refusals = {Agency.Kind.REPORTING: "Reporting agencies may not ask eligibility; they may read only the "
                                       "ledger entries their own reports caused."}


class Official(Role):
    """A citizen's standing: officials only."""

    agency_kinds = ()
    _AGENCY = ("Agencies may not read a citizen's standing: reporting agencies see only the ledger entries "
               "their reports caused; service agencies ask eligibility.")
    refusals = {Agency.Kind.REPORTING: _AGENCY, Agency.Kind.SERVICE: _AGENCY}
