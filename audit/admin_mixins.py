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


def resident_search_logged(request, model_admin, search_term: str) -> None:
    """A search for a full resident ID that names a registered person is a read of that person's
    record: log it, whatever the list then shows."""
    term = (search_term or "").strip().upper()
    if not RESIDENT_ID.fullmatch(term):
        return
    from citizens.models import Citizen

    citizen = Citizen.objects.filter(resident_id=term).first()
    if citizen is not None:
        admin_read_record(request, citizen=citizen, action="admin.search",
                          purpose=_("search of %(list)s") % {"list": model_admin.opts.verbose_name_plural})


class ResidentSearchLogged:
    """For a ModelAdmin (put it first among the bases): its searches by full resident ID are logged."""

    def get_search_results(self, request, queryset, search_term):
        resident_search_logged(request, self, search_term)
        return super().get_search_results(request, queryset, search_term)
