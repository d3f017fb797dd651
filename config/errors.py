"""Site-wide error views (``handler500`` in ``config/urls.py``)."""
import sys

from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from api.exceptions import RETRY_AFTER_SECONDS, database_unavailable, database_unavailable_body
from api.middleware import API_PREFIX


def server_error(request):
    """503 with ``Retry-After`` when the database could not be used (the API's JSON shape under ``/api/``,
    a plain page elsewhere, e.g. the admin), Django's 500 page otherwise.

    Django calls this inside its ``except`` block for any uncaught error, in a view or a middleware,
    so the error is ``sys.exc_info()``'s."""
    if not database_unavailable(sys.exc_info()[1]):
        return defaults.server_error(request)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(database_unavailable_body(), status=503, headers=headers)
    text = _("The service is unavailable just now: the database cannot be reached. Nothing was changed. "
             "Please try again in a few seconds.")
    return HttpResponse(text, content_type="text/plain; charset=utf-8", status=503, headers=headers)
