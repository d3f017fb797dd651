"""Names other apps import from here: planning lives in ``points.scoring``, writing in ``points.writer``."""
from points.scoring import CapCounts, bounded_delta, citizen_facts, expiry_date, plan
from points.writer import record_policy_version, save_standings

__all__ = ["CapCounts", "bounded_delta", "citizen_facts", "expiry_date", "plan_rule_entries",
           "record_policy_version", "save_standings"]


def plan_rule_entries(*, citizen, event, attributes, policy, at, caps, tz=None) -> list:
    """``scoring.plan`` for ``event``, moving the (scratch) citizen's score by what it earns."""
    planned = plan(citizen=citizen, event_type=event.event_type, occurred_at=event.occurred_at,
                   attributes=attributes, policy=policy, caps=caps, tz=tz)
    citizen.score += sum(p.delta for p in planned)
    return planned
