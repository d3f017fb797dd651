"""Every staff role × every admin screen, action and custom view, with the exact outcome, from one table.

Discovered, so a new one fails until it has a row: for every ModelAdmin of ``admin.site`` its
changelist, add and change views, every action it has (``_get_base_actions``: before the
per-request permission filter) and every custom URL of ``get_urls``; and the views mounted under
``/admin/`` outside ``admin.site`` (statements, correction, dashboard, policy).

A cell is the HTTP status, except for actions on a changelist the role may open: ``"run"`` (the
action is offered to the role and runs) or ``"-"`` (not offered: Django shows the list and does
nothing). Each role's request runs in a savepoint rolled back afterwards.
"""
import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from appeals.evidence import evidence_store
from appeals.services import appeal_file
from audit.services import access_log_record
from citizens.models import Citizen
from notices.models import AgencyContact
from officials.services import adjustment_propose
from points.models import Agency, Event
from portal.signin import letter_code_issue
from tests.fixtures.admin import make_citizen, make_user, report

ROLES = ("official", "auditor", "policy_author", "staff_no_group", "superuser", "non_staff", "anonymous")
GROUPS = {"official": "Officials", "auditor": "Auditors", "policy_author": "Policy authors"}
STANDARD = ("_changelist", "_add", "_change", "_delete", "_history")

# Columns:                                    official auditor author  staff  superuser non_staff anonymous
READ_RECORDS = (200, 200, 403, 403, 200, 302, 302)   # view permission of Officials and Auditors
AUDIT_ONLY = (403, 200, 403, 403, 200, 302, 302)     # the access logs: Auditors
POLICY = (200, 200, 200, 403, 200, 302, 302)         # every role: policy and aggregates
ACCOUNTS = (403, 403, 403, 403, 200, 302, 302)       # users, groups, agencies' tokens: superusers
OFFICIALS_ACT = (200, 403, 403, 403, 403, 302, 302)  # a duty: the Officials group, never superuser status
NOBODY = (403, 403, 403, 403, 403, 302, 302)         # append-only or written by the system
NOT_OFFERED = ("-", "-", 403, 403, "-", 302, 302)    # seen by record readers, offered to nobody
AUDIT_NOT_OFFERED = (403, "-", 403, 403, "-", 302, 302)

TABLE = {
    ("auth.group", "changelist"): ACCOUNTS, ("auth.group", "add"): ACCOUNTS, ("auth.group", "change"): ACCOUNTS,
    ("auth.group", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("auth.user", "changelist"): ACCOUNTS, ("auth.user", "add"): ACCOUNTS, ("auth.user", "change"): ACCOUNTS,
    ("auth.user", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("rules.policyversion", "changelist"): POLICY, ("rules.policyversion", "add"): NOBODY,
    ("rules.policyversion", "change"): POLICY,
    ("rules.policyversion", "action:delete_selected"): ("-", "-", "-", 403, "-", 302, 302),
    ("citizens.citizen", "changelist"): READ_RECORDS, ("citizens.citizen", "change"): READ_RECORDS,
    ("citizens.citizen", "add"): ACCOUNTS,  # registration data comes from the register's import
    ("citizens.citizen", "action:delete_selected"): NOT_OFFERED,
    ("points.agency", "changelist"): READ_RECORDS, ("points.agency", "change"): READ_RECORDS,
    ("points.agency", "add"): ACCOUNTS,
    ("points.agency", "action:delete_selected"): NOT_OFFERED,
    ("points.agency", "action:deactivate_selected"): ("-", "-", 403, 403, "run", 302, 302),
    ("points.agency", "url:points_agency_rotate_token"): ACCOUNTS,
    ("points.agency", "url:points_agency_services"): ACCOUNTS,
    ("points.event", "changelist"): READ_RECORDS, ("points.event", "change"): READ_RECORDS,
    ("points.event", "add"): NOBODY,
    ("points.event", "action:delete_selected"): NOT_OFFERED,
    ("points.event", "action:retract_selected"): ("run", "-", 403, 403, "-", 302, 302),
    ("points.event", "url:points_event_retract"): OFFICIALS_ACT,
    ("points.ledgerentry", "changelist"): READ_RECORDS, ("points.ledgerentry", "change"): READ_RECORDS,
    ("points.ledgerentry", "add"): NOBODY, ("points.ledgerentry", "action:delete_selected"): NOT_OFFERED,
    ("points.gradechange", "changelist"): READ_RECORDS, ("points.gradechange", "change"): READ_RECORDS,
    ("points.gradechange", "add"): NOBODY, ("points.gradechange", "action:delete_selected"): NOT_OFFERED,
    ("appeals.appeal", "changelist"): READ_RECORDS, ("appeals.appeal", "change"): READ_RECORDS,
    ("appeals.appeal", "add"): OFFICIALS_ACT, ("appeals.appeal", "action:delete_selected"): NOT_OFFERED,
    ("appeals.appeal", "url:appeals_appeal_decide"): OFFICIALS_ACT,
    ("appeals.appeal", "url:appeals_evidence_download"): READ_RECORDS,
    # The citizen's portal: sign-in codes are listed (never their hashes) and letters printed by superusers.
    ("portal.signincode", "changelist"): ACCOUNTS, ("portal.signincode", "add"): NOBODY,
    ("portal.signincode", "change"): ACCOUNTS,
    ("portal.signincode", "action:delete_selected"): (403, 403, 403, 403, "-", 302, 302),
    ("portal.signincode", "url:portal_activation_letter"): ACCOUNTS,
    # Where an agency's appeal notices are emailed: agencies are the superusers' to administer.
    ("notices.agencycontact", "changelist"): ACCOUNTS, ("notices.agencycontact", "change"): ACCOUNTS,
    ("notices.agencycontact", "add"): ACCOUNTS,
    ("notices.agencycontact", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("notices.notice", "changelist"): READ_RECORDS, ("notices.notice", "change"): READ_RECORDS,
    ("notices.notice", "add"): NOBODY, ("notices.notice", "action:delete_selected"): NOT_OFFERED,
    ("notices.notice", "action:resend"): ("run", "-", 403, 403, "-", 302, 302),
    ("notices.notice", "action:print_letters"): ("run", "-", 403, 403, "-", 302, 302),
    ("audit.accesslog", "changelist"): AUDIT_ONLY, ("audit.accesslog", "change"): AUDIT_ONLY,
    ("audit.accesslog", "add"): NOBODY, ("audit.accesslog", "action:delete_selected"): AUDIT_NOT_OFFERED,
    ("officials.adjustmentproposal", "changelist"): READ_RECORDS,
    ("officials.adjustmentproposal", "change"): READ_RECORDS,
    ("officials.adjustmentproposal", "add"): OFFICIALS_ACT,
    ("officials.adjustmentproposal", "action:delete_selected"): NOT_OFFERED,
    # Approving redirects back to the proposal (302); the service approved it (checked below).
    ("officials.adjustmentproposal", "url:officials_adjustmentproposal_approve"): (302, 403, 403, 403, 403, 302,
                                                                                  302),
    ("officials.adjustmentproposal", "url:officials_adjustmentproposal_reject"): OFFICIALS_ACT,
    ("admin.logentry", "changelist"): AUDIT_ONLY, ("admin.logentry", "change"): AUDIT_ONLY,
    ("admin.logentry", "add"): NOBODY, ("admin.logentry", "action:delete_selected"): AUDIT_NOT_OFFERED,
    # django-axes and django-otp: sign-in records and authenticators are the superusers' to manage.
    ("axes.accessattempt", "changelist"): ACCOUNTS, ("axes.accessattempt", "add"): NOBODY,
    ("axes.accessattempt", "change"): ACCOUNTS,
    ("axes.accessattempt", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("axes.accessattempt", "action:cleanup_expired_attempts"): (403, 403, 403, 403, "run", 302, 302),
    ("axes.accessfailurelog", "changelist"): ACCOUNTS, ("axes.accessfailurelog", "add"): NOBODY,
    ("axes.accessfailurelog", "change"): ACCOUNTS,
    ("axes.accessfailurelog", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("axes.accesslog", "changelist"): ACCOUNTS, ("axes.accesslog", "add"): NOBODY,
    ("axes.accesslog", "change"): ACCOUNTS,
    ("axes.accesslog", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    ("otp_totp.totpdevice", "changelist"): ACCOUNTS, ("otp_totp.totpdevice", "add"): ACCOUNTS,
    ("otp_totp.totpdevice", "change"): ACCOUNTS,
    ("otp_totp.totpdevice", "action:delete_selected"): (403, 403, 403, 403, "run", 302, 302),
    # The key is never shown again after enrolment (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    ("otp_totp.totpdevice", "url:otp_totp_totpdevice_config"): NOBODY,
    ("otp_totp.totpdevice", "url:otp_totp_totpdevice_qrcode"): NOBODY,
    ("site", "url:statement-html"): READ_RECORDS,
    ("site", "url:statement-pdf"): READ_RECORDS,
    ("site", "url:points_event_correct"): OFFICIALS_ACT,
    ("site", "url:officials:dashboard"): POLICY,
    ("site", "url:officials:policy"): POLICY,
}


def _outside_admin_site() -> list[str]:
    """Names of the views mounted under /admin/ by other URLconfs (before admin.site's own)."""
    names = []
    for top in get_resolver().url_patterns:
        if not (isinstance(top, URLResolver) and str(top.pattern).startswith("admin/")) \
                or top.namespace == admin.site.name:
            continue
        for pattern in top.url_patterns:
            assert isinstance(pattern, URLPattern) and pattern.name, f"unnamed admin route {pattern}"
            names.append(f"{top.namespace}:{pattern.name}" if top.namespace else pattern.name)
    return names


def discovered_admin_entries() -> list[tuple[str, str]]:
    entries = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        entries += [(label, "changelist"), (label, "add"), (label, "change")]
        entries += [(label, f"action:{name}") for _, name, _ in model_admin._get_base_actions()]
        entries += [(label, f"url:{p.name}") for p in model_admin.get_urls()
                    if isinstance(p, URLPattern) and p.name and not p.name.endswith(STANDARD)]
    return entries + [("site", f"url:{name}") for name in _outside_admin_site()]


def test_the_table_lists_exactly_the_admin_screens_actions_and_views():
    assert set(TABLE) == set(discovered_admin_entries())
    assert all(len(row) == len(ROLES) for row in TABLE.values())


@pytest.fixture
def scene(roles, agencies, settings, tmp_path):
    """One object of every registered model, a user per role, and a logged-in client per role."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {role: make_user(role, GROUPS.get(role), staff=role != "non_staff", superuser=role == "superuser")
             for role in ROLES if role != "anonymous"}
    users["non_staff"].groups.add(*users["official"].groups.all())  # in the group, but not staff: refused
    proposer = make_user("proposer", "Officials")
    citizen = make_citizen()
    event = report(citizen)
    contested = report(citizen, days_ago=20)
    appeal = appeal_file(event=contested, grounds="Not me.", by="legal-aid")
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    evidence = evidence_store(appeal=appeal, checked=[(SimpleUploadedFile("slip.pdf", b"%PDF-1.4"), "application/pdf")],
                              by="legal-aid", now=appeal.filed_at)[0]
    letter_code_issue(citizen=citizen, by="superuser")
    proposal = adjustment_propose(citizen=citizen, points=10, reason="Court confirmed payment", user=proposer)
    access_log_record(actor="auditor", actor_kind="user", citizen=citizen, action="citizen.view", channel="admin",
                      path="/admin/")
    _sign_in_records(proposer)
    LogEntry.objects.create(user=proposer, object_id=str(proposal.pk), object_repr=str(proposal),
                            action_flag=CHANGE, change_message="scene")
    objects = {"citizens.citizen": citizen, "points.event": event, "points.agency": Agency.objects.get(code="court"),
               "appeals.appeal": appeal, "officials.adjustmentproposal": proposal, "auth.user": proposer,
               "notices.agencycontact": AgencyContact.objects.create(agency=Agency.objects.get(code="court"),
                                                                     email="court@example.invalid")}
    clients = {"anonymous": Client()}
    for role in users:
        clients[role] = Client()
        clients[role].force_login(users[role])  # axes counts password logins against a request
    return {"users": users, "objects": objects, "clients": clients, "citizen": citizen, "event": event,
            "appeal": appeal, "proposal": proposal, "evidence": evidence}


def _sign_in_records(user):
    """One row of each sign-in model of django-axes and django-otp, for their change views."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as SignInLog
    from django.utils import timezone

    from officials.signin import totp_enrol

    seen = {"ip_address": "10.0.0.1", "user_agent": "test", "username": user.username, "path_info": "/admin/login/"}
    AccessAttempt.objects.create(**seen, failures_since_start=1, get_data="", post_data="")
    AccessFailureLog.objects.create(**seen, locked_out=False)
    SignInLog.objects.create(**seen, attempt_time=timezone.now())
    totp_enrol(user=user)


def _object(label, scene):
    if label in scene["objects"]:
        return scene["objects"][label]
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"the scene has no {label}"
    return obj


def _custom(name, scene) -> tuple[str, str, dict]:
    """(method, path, data) of a custom admin view, as an allowed official would use it."""
    rid, event = scene["citizen"].resident_id, scene["event"].pk
    device = _object("otp_totp.totpdevice", scene).pk
    return {
        "points_agency_rotate_token": ("get", reverse("admin:points_agency_rotate_token",
                                                      args=[scene["objects"]["points.agency"].pk]), {}),
        "points_agency_services": ("get", reverse("admin:points_agency_services",
                                                  args=[Agency.objects.get(code="licensing").pk]), {}),
        "points_event_retract": ("get", reverse("admin:points_event_retract", args=[event]), {}),
        "appeals_appeal_decide": ("get", reverse("admin:appeals_appeal_decide", args=[scene["appeal"].pk]), {}),
        "appeals_evidence_download": ("get", reverse("admin:appeals_evidence_download",
                                                     args=[scene["appeal"].pk, scene["evidence"].pk]), {}),
        "portal_activation_letter": ("get", reverse("admin:portal_activation_letter"), {}),
        "officials_adjustmentproposal_approve": ("post", reverse("admin:officials_adjustmentproposal_approve",
                                                                 args=[scene["proposal"].pk]), {}),
        "officials_adjustmentproposal_reject": ("get", reverse("admin:officials_adjustmentproposal_reject",
                                                               args=[scene["proposal"].pk]), {}),
        "statement-html": ("get", reverse("statement-html", args=[rid]), {}),
        "statement-pdf": ("get", reverse("statement-pdf", args=[rid]), {}),
        "points_event_correct": ("get", reverse("points_event_correct", args=[event]), {}),
        "officials:dashboard": ("get", reverse("officials:dashboard"), {}),
        "officials:policy": ("get", reverse("officials:policy"), {}),
        "otp_totp_totpdevice_config": ("get", reverse("admin:otp_totp_totpdevice_config", args=[device]), {}),
        "otp_totp_totpdevice_qrcode": ("get", reverse("admin:otp_totp_totpdevice_qrcode", args=[device]), {}),
    }[name]


def _outcome(entry, role, scene):
    label, what = entry
    client = scene["clients"][role]
    if what.startswith("url:"):
        method, path, data = _custom(what[4:], scene)
        return getattr(client, method)(path, data).status_code
    app, model = label.split(".")
    if what in ("changelist", "add"):
        return client.get(reverse(f"admin:{app}_{model}_{what}")).status_code
    obj = _object(label, scene)
    if what == "change":
        return client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code
    return _action(label, what[len("action:"):], obj, role, scene)


def _action(label, name, obj, role, scene):
    app, model = label.split(".")
    response = scene["clients"][role].post(reverse(f"admin:{app}_{model}_changelist"),
                                           {"action": name, "_selected_action": [obj.pk], "index": 0})
    if role in ("non_staff", "anonymous") or response.status_code == 403:
        return response.status_code
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
    request = RequestFactory().get("/")
    request.user = scene["users"][role]
    if name in model_admin.get_actions(request):
        assert response.status_code in (200, 302), response  # a confirmation page, or done and back to the list
        return "run"
    assert response.status_code in (200, 302), response  # the list again; nothing ran
    return "-"


@pytest.mark.parametrize("entry", discovered_admin_entries(), ids="-".join)
def test_admin_role_matrix(entry, scene):
    assert entry in TABLE, f"{entry} is not in the admin role matrix: add its row (and to docs/admin.md)"
    actual = {}
    for role in ROLES:
        with transaction.atomic():
            actual[role] = _outcome(entry, role, scene)
            if entry[1] == "url:officials_adjustmentproposal_approve" and actual[role] == 302 \
                    and role not in ("non_staff", "anonymous"):
                scene["proposal"].refresh_from_db()
                assert scene["proposal"].status == "approved"
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, TABLE[entry], strict=True))
    assert Event.objects.get(pk=scene["event"].pk).status == "applied"  # the savepoints left the scene alone
    assert Citizen.objects.filter(pk=scene["citizen"].pk).exists()
    assert get_user_model().objects.filter(username="proposer").exists()
