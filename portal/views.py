"""The citizen's own window: sign in with a one-time code, read the record, contest an entry, see who
looked and what was sent. Thin: ``portal.signin``, ``portal.selectors`` and the appeals services do
the work. Every page is the signed-in citizen's own (``citizen_required``); ids in URLs are looked
up within that citizen's rows only, so anyone else's id is a 404."""
from django.contrib import messages
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from appeals.evidence import evidence_path
from appeals.services import appeal_file_by_citizen, appeal_withdraw, citizen_filer
from audit.services import access_log_record
from audit.sources import request_source_address
from citizens.contacts import contacts_problem
from citizens.masking import mask_resident_id
from citizens.services import citizen_contacts_update
from core.exceptions import ApplicationError
from portal import selectors, signin
from portal.forms import AppealForm, CodeForm, ContactPreferencesForm, ResidentIdForm, WithdrawForm
from portal.session import citizen_required, sign_in, sign_out, signed_in_citizen
from rules.registry import current_policy
from statements.pdf import statement_pdf
from statements.selectors import citizen_accesses, citizen_statement

PENDING = "portal_pending_resident_id"


def _logged(request, action: str, purpose: str = "") -> None:
    """The citizen's own read of their record, in the access log like every other read."""
    citizen = request.citizen
    access_log_record(actor=mask_resident_id(citizen.resident_id), actor_kind="citizen", citizen=citizen,
                      action=action, channel="portal", purpose=purpose, source_address=request_source_address(request),
                      path=request.get_full_path())


def _error(exc: ApplicationError) -> dict:
    return {"message": exc.message, "code": exc.extra.get("reason") or exc.code}


def home(request):
    if signed_in_citizen(request) is not None:
        return redirect("portal:record")
    return render(request, "portal/sign_in.html", {"form": ResidentIdForm()})


@require_http_methods(["GET", "POST"])
def sign_in_start(request):
    """Step one: the resident ID; a code goes to the registered email or mobile."""
    form = ResidentIdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signin.code_request(resident_id=form.cleaned_data["resident_id"])
        except ApplicationError as exc:
            return render(request, "portal/sign_in.html", {"form": form, "error": _error(exc)},
                          status=exc.http_status)
        request.session[PENDING] = signin.normalise_resident_id(form.cleaned_data["resident_id"])
        return redirect("portal:sign-in-code")
    return render(request, "portal/sign_in.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    """Step two: the code from the message (or from an activation letter)."""
    resident_id = request.session.get(PENDING) or request.POST.get("resident_id", "")
    id_form = ResidentIdForm({"resident_id": resident_id}) if resident_id else ResidentIdForm()
    form = CodeForm(request.POST or None)
    context = {"form": form, "id_form": id_form, "resident_id": resident_id}
    if request.method == "POST" and form.is_valid():
        try:
            citizen = signin.code_verify(resident_id=resident_id, code=form.cleaned_data["code"],
                                         source_address=request_source_address(request) or None)
        except ApplicationError as exc:
            return render(request, "portal/sign_in_code.html", {**context, "error": _error(exc)},
                          status=exc.http_status)
        sign_in(request, citizen)
        return redirect("portal:record")
    return render(request, "portal/sign_in_code.html", context, status=400 if form.errors else 200)


@require_POST
def sign_out_view(request):
    sign_out(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:home")


@citizen_required
def record(request):
    _logged(request, "portal.record", _("my record"))
    return render(request, "portal/record.html", {"citizen": request.citizen,
                                                  **selectors.record_context(citizen=request.citizen,
                                                                              page=request.GET.get("page"))})


@citizen_required
def statement_html(request):
    _logged(request, "statement.read", "statement")
    return render(request, "portal/statement.html", {"citizen": request.citizen,
                                                     "statement": citizen_statement(citizen=request.citizen)})


@citizen_required
def statement_pdf_download(request):
    _logged(request, "statement.pdf", "statement")
    response = HttpResponse(statement_pdf(citizen_statement(citizen=request.citizen)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{timezone.localdate():%Y-%m-%d}.pdf"'
    return response


@citizen_required
@require_http_methods(["GET", "POST"])
def appeal_new(request, event_id):
    """Contest one event of the record, with grounds and evidence files."""
    event = selectors.own_event(citizen=request.citizen, event_id=event_id)
    form = AppealForm(request.POST or None, request.FILES or None)
    spec = current_policy().event_types.get(event.event_type)
    context = {"event": event, "form": form, "event_title": spec.title if spec else event.event_type}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = appeal_file_by_citizen(citizen=request.citizen, event=event, grounds=data["grounds"],
                                            claim=data["claim"], files=data["files"])
        except ApplicationError as exc:
            return render(request, "portal/appeal_new.html", {**context, "error": _error(exc)},
                          status=exc.http_status)
        messages.success(request, _("Your appeal #%(id)s is filed. A decision is due by %(day)s.")
                         % {"id": appeal.pk, "day": appeal.deadline.isoformat()})
        return redirect("portal:appeal", appeal.pk)
    return render(request, "portal/appeal_new.html", context, status=400 if form.errors else 200)


@citizen_required
def appeals(request):
    _logged(request, "appeal.read", _("my appeals"))
    return render(request, "portal/appeals.html", {"appeals": selectors.own_appeals(citizen=request.citizen)})


@citizen_required
def appeal_detail(request, appeal_id):
    appeal = selectors.own_appeal(citizen=request.citizen, appeal_id=appeal_id)
    _logged(request, "appeal.read", _("appeal %(id)s") % {"id": appeal.pk})
    return render(request, "portal/appeal.html", {"appeal": appeal, "withdraw_form": WithdrawForm(),
                                                  "today": timezone.localdate()})


@citizen_required
@require_POST
def appeal_withdraw_view(request, appeal_id):
    appeal = selectors.own_appeal(citizen=request.citizen, appeal_id=appeal_id)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("The reasons are too long."))
        appeal_withdraw(appeal=appeal, by=citizen_filer(request.citizen), reasons=form.cleaned_data["reasons"])
    except ApplicationError as exc:
        return render(request, "portal/appeal.html", {"appeal": appeal, "withdraw_form": form,
                                                      "today": timezone.localdate(), "error": _error(exc)},
                      status=exc.http_status)
    messages.success(request, _("Your appeal #%(id)s is withdrawn.") % {"id": appeal.pk})
    return redirect("portal:appeal", appeal.pk)


@citizen_required
def evidence_download(request, appeal_id, evidence_id):
    evidence = selectors.own_evidence(citizen=request.citizen, appeal_id=appeal_id, evidence_id=evidence_id)
    _logged(request, "appeal.evidence", _("evidence %(id)s") % {"id": evidence.pk})
    return FileResponse(open(evidence_path(evidence), "rb"), as_attachment=True, filename=evidence.file_name,
                        content_type=evidence.content_type)


@citizen_required
def who_looked(request):
    """Every read of the record from the access log; the citizen's own reads only when asked for."""
    lines = citizen_accesses(citizen=request.citizen)
    mine = request.GET.get("mine") == "1"
    _logged(request, "portal.accesses", _("who looked at my record"))
    shown = lines if mine else [line for line in lines if line.actor_kind != "citizen"]
    return render(request, "portal/who_looked.html", {"lines": shown, "mine": mine})


@citizen_required
@require_http_methods(["GET", "POST"])
def notices(request):
    """Every notice sent to the citizen, how it went, and where future ones go."""
    citizen = request.citizen
    initial = {"preferred_channel": citizen.preferred_channel or "letter", "contact_consent": citizen.contact_consent}
    form = ContactPreferencesForm(request.POST or None, initial=initial)
    error, status = None, 200
    if request.method == "POST":
        error = _save_preferences(citizen, form)
        if error is None:
            messages.success(request, _("Your contact preferences are saved."))
            return redirect("portal:notices")
        status = 400
    _logged(request, "portal.notices", _("my notices"))
    context = {"notices": selectors.own_notices(citizen=citizen), "form": form, "citizen": citizen, "error": error}
    return render(request, "portal/notices.html", context, status=status)


def _save_preferences(citizen, form) -> dict | None:
    if not form.is_valid():
        return {"message": _("Please choose a channel."), "code": "invalid"}
    consent = form.cleaned_data["contact_consent"]
    values = {"preferred_channel": form.cleaned_data["preferred_channel"], "contact_consent": consent,
              "contact_consent_at": (citizen.contact_consent_at or timezone.now()) if consent else None,
              "email": citizen.email, "mobile": citizen.mobile, "postal_address": citizen.postal_address}
    problem = contacts_problem(values)
    if problem:
        return {"message": _("We have no address for that channel on your record (%(problem)s). The district "
                             "office can add it.") % {"problem": problem}, "code": "no_address"}
    citizen_contacts_update(citizen=citizen, values={k: values[k] for k in
                                                     ("preferred_channel", "contact_consent", "contact_consent_at")},
                            by=mask_resident_id(citizen.resident_id), source="portal")
    return None
