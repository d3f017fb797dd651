"""Admin screens that look a person up by resident ID write that look-up to the access log."""
import re

from django.utils.translation import gettext as _

from audit.services import access_log_record
from audit.sources import request_source_address

RESIDENT_ID = re.compile(r"\d{17}[\dX]")


def admin_read_record(request, *, citizen, action: str, purpose: str = "") -> None:
    """Write an official's read of ``citizen``'s record through the admin to the access log."""
    access_log_record(actor=request.user.get_username(), actor_kind="user", citizen=citizen, action=action,
                      channel="admin", purpose=purpose, source_address=request_source_address(request),
                      path=request.get_full_path())


class ResidentSearchLogged:
    """For a ModelAdmin (put it first among the bases): a search for a full resident ID that names a
    registered person is a read of that person's record, so it is logged, whatever the list shows."""

    def get_search_results(self, request, queryset, search_term):
        results = super().get_search_results(request, queryset, search_term)
        term = (search_term or "").strip().upper()
        if RESIDENT_ID.fullmatch(term):
            from citizens.models import Citizen

            citizen = Citizen.objects.filter(resident_id=term).first()
            if citizen is not None:
                admin_read_record(request, citizen=citizen, action="admin.search",
                                  purpose=_("search of %(list)s") % {"list": self.opts.verbose_name_plural})
        return results
