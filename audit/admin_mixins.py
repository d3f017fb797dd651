"""Admin screens that show a person's record write each showing to the access log: a list searched
for a full resident ID, and the page of one row that belongs to a person (an event, a ledger entry...)."""
import re

from django.utils.translation import gettext as _

from audit.services import access_log_record
from audit.sources import request_source_address
from citizens.models import Citizen

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

    citizen = Citizen.objects.filter(resident_id=term).first()
    if citizen is not None:
        admin_read_record(request, citizen=citizen, action="admin.search",
                          purpose=_("search of %(list)s") % {"list": model_admin.opts.verbose_name_plural})


class PersonReadsLogged:
    """For the ModelAdmin of a model with a ``citizen`` (put it first among the bases): searches by full
    resident ID and every page of one row are logged as reads of that person's record."""

    def get_search_results(self, request, queryset, search_term):
        resident_search_logged(request, self, search_term)
        return super().get_search_results(request, queryset, search_term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = self.get_object(request, object_id)
            if obj is not None and obj.citizen_id is not None:
                admin_read_record(request, citizen=obj.citizen, action="admin.detail",
                                  purpose=_("%(what)s %(id)s") % {"what": self.opts.verbose_name, "id": obj.pk})
        return response
