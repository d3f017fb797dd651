"""The Policy object: attribute validation, grades, services, points and durations."""
import datetime as dt

import pytest

from rules.errors import AttributeValidationError, UnknownEventTypeError
from rules.values import Duration, age_on, epoch_days


def test_grade_for_uses_inclusive_bands(shipped):
    assert [shipped.grade_for(s) for s in (1200, 970, 969, 850, 849, 600, 599, 0, -5)] == [
        "A", "A", "B", "B", "C", "C", "D", "D", "D"]


def test_effect_source_names_the_yaml_line(shipped):
    effect = shipped.effect("social_assistance", "D")
    assert effect.decision == "review"
    line = shipped.files["services.yaml"].splitlines()[effect.line - 1]
    assert str(effect.source) == f"services.yaml:{effect.line}" and "D: {decision: review" in line
    assert shipped.effect("public_employment", "A").decision == "priority"
    assert shipped.effect("driving_licence", "D").decision == "denied"


def test_every_service_decides_for_every_grade(shipped):
    grades = {b.grade for b in shipped.grades}
    assert shipped.services
    for service in shipped.services.values():
        assert set(service.effects) == grades


def test_validate_attributes_cleans_values(shipped):
    assert shipped.validate_attributes("volunteering", {"hours": 8}) == {"hours": 8.0}
    assert shipped.validate_attributes("helping_poor", {"media_reported": None}) == {}
    assert shipped.validate_attributes("traffic_violation", {"severity": "minor"}) == {"severity": "minor"}


@pytest.mark.parametrize(
    ("event_type", "attributes", "errors"),
    [
        ("elderly_care", {"months": "100"}, {"months": "must be an integer, not a string"}),
        ("elderly_care", {"months": True}, {"months": "must be an integer, not a boolean"}),
        ("elderly_care", {"months": 6.0}, {"months": "must be an integer, not a number"}),
        ("elderly_care", {}, {"months": "this attribute is required"}),
        ("elderly_care", {"months": 0}, {"months": "must be at least 1"}),
        ("elderly_care", {"months": 6, "relative_id": 7},
         {"relative_id": "unknown attribute for event type 'elderly_care'"}),
        ("traffic_violation", {"severity": "awful"}, {"severity": "must be one of: minor, serious"}),
        ("helping_poor", {"media_reported": 1}, {"media_reported": "must be true or false, not an integer"}),
        ("official_adjustment", {"points": 201, "reason": "x"}, {"points": "must be at most 200"}),
        ("volunteering", {"hours": float("nan")}, {"hours": "must be a number, not a number"}),
    ],
)
def test_validate_attributes_rejects(shipped, event_type, attributes, errors):
    with pytest.raises(AttributeValidationError) as info:
        shipped.validate_attributes(event_type, attributes)
    assert info.value.field_errors == errors


def test_date_attributes_accept_iso_strings():
    from rules.attributes import validate_attributes
    from rules.policy import AttributeSpec, EventType

    spec = EventType("t", "t", "", ("police",), {"on": AttributeSpec("on", "date", required=True)})
    assert validate_attributes(spec, {"on": "2024-02-29"}) == {"on": dt.date(2024, 2, 29)}
    for bad in ("2024-02-30", "20240229", dt.datetime(2024, 2, 29, 1, 0)):
        with pytest.raises(AttributeValidationError):
            validate_attributes(spec, {"on": bad})


def test_unknown_event_type(shipped):
    with pytest.raises(UnknownEventTypeError):
        shipped.validate_attributes("jaywalking", {})


def test_points_and_rule_metadata(shipped):
    adjustment = shipped.rules["SYS-ADJUSTMENT"]
    assert adjustment.points == "event.points"
    assert adjustment.points_for({"points": -30, "reason": "x"}) == -30
    assert shipped.rules["SN-BRIBERY"].expires_after == Duration(5, "y")
    assert shipped.rules["OWN-VOLUNTEERING"].cap.count == 4
    assert shipped.event_types["official_adjustment"].system
    assert shipped.event_types["official_adjustment"].reported_by == ()
    assert [r.id for r in shipped.rules_for("helping_poor")] == ["SN-HELP-POOR", "SN-HELP-POOR-MEDIA"]
    assert not any(rule.in_force(dt.date(2023, 1, 1)) for rule in shipped.rules_for("helping_poor"))
    assert str(shipped.rules["SN-BRIBERY"].source).startswith("rules.yaml:")


def test_durations_and_dates():
    assert Duration.parse("3y").after(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)
    assert Duration.parse("18m").after(dt.date(2024, 1, 31)) == dt.date(2025, 7, 31)
    assert Duration.parse("1m").after(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert Duration.parse("90d").after(dt.date(2024, 1, 1)) == dt.date(2024, 3, 31)
    for bad in ("3", "0y", "3w", "-1d", "3 y"):
        with pytest.raises(ValueError):
            Duration.parse(bad)
    assert age_on(dt.date(2000, 2, 29), dt.date(2018, 2, 28)) == 17
    assert age_on(dt.date(2000, 2, 29), dt.date(2018, 3, 1)) == 18
    assert epoch_days(dt.date(1970, 1, 2)) == 1
