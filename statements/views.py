"""The statement for officials, in the admin: HTML page and PDF download. Thin: the selector does the work."""
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from audit.admin_mixins import admin_read_record
from core.exceptions import ApplicationError
from points.selectors import citizen_get
from statements.pdf import statement_pdf
from statements.selectors import citizen_statement

PERMISSION = "citizens.view_citizen"


def _citizen(request, resident_id, action):
    """The citizen, with the read written to the access log (before the statement is built, so the
    statement lists this read too)."""
    try:
        citizen = citizen_get(resident_id=resident_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None
    admin_read_record(request, citizen=citizen, action=action, purpose="statement")
    return citizen


def statement_html(request, resident_id):
    citizen = _citizen(request, resident_id, "statement.read")
    statement = citizen_statement(citizen=citizen)
    context = {**admin.site.each_context(request), "title": _("Statement — %(citizen)s") % {"citizen": citizen},
               "citizen": citizen, "statement": statement}
    return TemplateResponse(request, "statements/statement.html", context)


def statement_pdf_download(request, resident_id):
    citizen = _citizen(request, resident_id, "statement.pdf")
    response = HttpResponse(statement_pdf(citizen_statement(citizen=citizen)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{citizen.resident_id}.pdf"'
    return response


def official_view(view):
    """Staff login (admin) and the permission to view citizens."""
    return admin.site.admin_view(permission_required(PERMISSION, raise_exception=True)(view))
