"""Agency tokens: creation, hashing, rotation, commands, event types checked against the policy."""
import io

import pytest
from django.core.management import CommandError, call_command

from core.exceptions import ValidationFailed
from points.agencies import agency_create, agency_for_token, agency_rotate_token, token_hash


def test_create_stores_only_the_hash(db):
    agency, token = agency_create(code="police2", name="Police annex", kind="reporting", event_types=[])
    agency.refresh_from_db()
    assert agency.token_hash == token_hash(token) and token not in agency.token_hash
    assert agency.token_prefix == token[:8] and len(token) >= 40
    assert agency_for_token(token) == agency
    assert agency_for_token(token + "x") is None and agency_for_token("") is None and agency_for_token(None) is None


def test_rotation_invalidates_the_old_token(agencies):
    old = agency_rotate_token(agency=agencies["court"])
    new = agency_rotate_token(agency=agencies["court"])
    assert old != new and agency_for_token(old) is None and agency_for_token(new) == agencies["court"]


@pytest.mark.parametrize("kwargs, field", [
    ({"event_types": ["no_such_type"]}, "event_types"),
    ({"event_types": ["official_adjustment"]}, "event_types"),
    ({"code": "court", "event_types": ["elderly_care"]}, "event_types"),  # policy: civil_affairs reports it
    ({"kind": "service", "event_types": ["bribery_conviction"]}, "event_types"),
    ({"kind": "system"}, "kind"),
    ({"code": "has space"}, "code"),
    ({"name": " "}, "name"),
])
def test_create_refuses_what_the_policy_does_not_allow(agencies, kwargs, field):
    args = {"code": "court", "name": "Court", "kind": "reporting", "event_types": ["bribery_conviction"]}
    args.update(kwargs)
    if args["code"] == "court":
        args["code"] = "court_annex"
    with pytest.raises(ValidationFailed) as info:
        agency_create(**args)
    assert field in info.value.field_errors


def test_duplicate_code_is_refused(agencies):
    with pytest.raises(ValidationFailed, match="already exists"):
        agency_create(code="police", name="Again", kind="reporting", event_types=[])


def test_create_agency_command_prints_a_working_token(db):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_agency", "licensing2", "--name", "Licensing office", "--kind", "service",
                 stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert agency_for_token(token).code == "licensing2" and "not shown again" in err.getvalue()


def test_create_agency_command_with_event_types(db):
    from rules.registry import current_policy

    court_types = sorted(t.name for t in current_policy().event_types.values() if "court" in t.reported_by)
    out = io.StringIO()
    call_command("create_agency", "court", "--name", "Court", "--event-types", ",".join(court_types),
                 stdout=out, stderr=io.StringIO())
    assert agency_for_token(out.getvalue().strip()).event_types == court_types


def test_create_agency_command_reports_policy_errors(db):
    with pytest.raises(CommandError, match="no_such_type"):
        call_command("create_agency", "x1", "--name", "X", "--event-types", "no_such_type",
                     stdout=io.StringIO(), stderr=io.StringIO())


def test_rotate_token_command(agencies):
    old = agency_rotate_token(agency=agencies["police"])
    out = io.StringIO()
    call_command("rotate_token", "police", stdout=out, stderr=io.StringIO())
    assert agency_for_token(out.getvalue().strip()).code == "police" and agency_for_token(old) is None
    with pytest.raises(CommandError, match="No agency"):
        call_command("rotate_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
