"""Request parsing and response shapes. Parsing only: the rules live in the services."""
from rest_framework import serializers

from api.exceptions import flatten
from citizens.validators import normalize_resident_id
from core.exceptions import ApplicationError, ValidationFailed
from points.admission import MAX_KEY_LENGTH, check_attributes_shape, parse_time
from points.explain import entry_explanation
from rules.registry import current_policy


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time that must carry its time zone, read by ``points.admission.parse_time``."""

    def to_internal_value(self, value):
        try:
            return parse_time(value)
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.field_errors["occurred_at"]) from None


class AttributesField(serializers.DictField):
    """The event's attributes as a JSON object; ``points.admission`` checks their shape and meaning."""

    def to_internal_value(self, data):
        try:
            return check_attributes_shape(super().to_internal_value(data))
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.field_errors["attributes"]) from None


# --- requests ---------------------------------------------------------------


class EventReportSerializer(serializers.Serializer):
    """One report. The idempotency key may come in the ``Idempotency-Key`` header instead."""

    resident_id = serializers.CharField(max_length=18, help_text="18-character resident ID number.")
    event_type = serializers.CharField(max_length=64, help_text="An event type of the policy (GET /event-types/).")
    occurred_at = AwareDateTimeField(help_text="When it happened, with a time zone offset.")
    attributes = AttributesField(required=False, default=dict,
                                 help_text="The event type's attributes (GET /event-types/).")
    idempotency_key = serializers.CharField(
        required=False, trim_whitespace=False,
        help_text=f"Unique per report and agency, 1 to {MAX_KEY_LENGTH} characters; may be sent as the "
                  "Idempotency-Key header instead.",
    )

    def validate_resident_id(self, value):
        return normalize_resident_id(value)  # a final lowercase x is the same number as X


def resolve_key(data: dict, header) -> dict:
    """The report's fields with its idempotency key taken from the field or the header, which must agree."""
    field = data.get("idempotency_key")
    if header is not None and field is not None and header != field:
        raise serializers.ValidationError({"idempotency_key": "differs from the Idempotency-Key header"})
    key = field if field is not None else header
    if key is None:
        raise serializers.ValidationError(
            {"idempotency_key": "required: send the Idempotency-Key header or the idempotency_key field"})
    data["idempotency_key"] = key  # its length and content are the admission check's (points.admission)
    return data


# Building a serializer copies its fields: one instance parses every report (as DRF's many=True does),
# and the key is resolved after, from the field or the header.
_REPORT_FIELDS = EventReportSerializer()


def parse_report(data, *, idempotency_header=None) -> dict:
    """One report's fields, validated, its key from the field or the header; raises DRF's ValidationError."""
    return resolve_key(dict(_REPORT_FIELDS.run_validation(data)), idempotency_header)


class BatchRequestSerializer(serializers.Serializer):
    """Up to 1,000 reports, each with its own idempotency_key. Documentation of the request shape."""

    items = EventReportSerializer(many=True, help_text="Up to 1,000 reports, each with idempotency_key.")


class BatchEnvelopeSerializer(serializers.Serializer):
    """Parses only the envelope; each item is parsed on its own so one bad item rejects only itself."""

    items = serializers.ListField(child=serializers.JSONField(allow_null=True), allow_empty=False)


class RetractSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the report is withdrawn.")


def parse_report_items(items: list) -> list:
    """Each batch item parsed to a dict of report fields (as ``parse_report``), or the error that rejects it."""
    parsed = []
    for item in items:
        try:
            parsed.append(parse_report(item))
        except serializers.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            parsed.append(ValidationFailed("Some fields of this report are invalid.", field_errors=flatten(detail)))
    return parsed


# --- responses --------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The one error shape."""

    code = serializers.CharField(help_text="Machine-readable error code, e.g. invalid, not_found, forbidden.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; nested fields are dotted, e.g. attributes.media_reported or items.3.event_type.",
    )


class EntrySerializer(serializers.Serializer):
    """A ledger entry caused by a report (or reversing one): the rule, the points and why. No running
    balance: the reporter needs to know what its report did, not the person's standing (docs/api.md)."""

    id = serializers.IntegerField()
    rule_id = serializers.CharField()
    rule_title = serializers.CharField()
    kind = serializers.CharField(help_text="opening, rule, reversal, expiry, suspension, reinstated or lifted.")
    delta = serializers.IntegerField()
    explanation = serializers.SerializerMethodField(
        help_text="The entry in plain words, as the statement and the notices word it (points.explain).")
    expires_on = serializers.DateField(allow_null=True)

    def get_explanation(self, entry) -> str:
        return _explanation(entry, self.context.get("policy") or current_policy())


def _explanation(entry, policy) -> str:
    return entry_explanation(entry=entry, policy=policy).text


class ReportResultSerializer(serializers.Serializer):
    """What a report did, and nothing about the person beyond it (no score, grade or balance)."""

    event_id = serializers.IntegerField(source="event.pk")
    status = serializers.CharField(source="event.status")
    replayed = serializers.SerializerMethodField(help_text="True when this key was seen before: nothing new counted.")
    policy_version = serializers.CharField(source="event.policy_version")
    entries = EntrySerializer(many=True, help_text="Ledger entries the report caused (may be empty).")

    def get_replayed(self, result) -> bool:
        return not result.created


def entry_dict(entry, policy) -> dict:
    """``EntrySerializer``'s output, built directly: a batch renders thousands of them."""
    return {"id": entry.pk, "rule_id": entry.rule_id, "rule_title": entry.rule_title, "kind": entry.kind,
            "delta": entry.delta, "explanation": _explanation(entry, policy),
            "expires_on": entry.expires_on.isoformat() if entry.expires_on else None}


def report_result_dict(result, policy=None) -> dict:
    """``ReportResultSerializer``'s output, built directly (tests check the two agree)."""
    event = result.event
    policy = policy or current_policy()
    return {"event_id": event.pk, "status": event.status, "replayed": not result.created,
            "policy_version": event.policy_version, "entries": [entry_dict(e, policy) for e in result.entries]}


class BatchItemSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=["applied", "replayed", "rejected"])
    http_status = serializers.IntegerField(help_text="The status this item would have had on its own.")
    result = ReportResultSerializer(allow_null=True)
    error = ErrorSerializer(allow_null=True)


class BatchResponseSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    applied = serializers.IntegerField()
    replayed = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BatchItemSerializer(many=True, help_text="One per item, in order.")


class RetractResultSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    status = serializers.CharField()
    reversals = EntrySerializer(many=True, help_text="The entries that restored the points.")


class CitizenSerializer(serializers.Serializer):
    resident_id = serializers.CharField()
    status = serializers.CharField(help_text="active, moved_away or deceased.")
    enrolled = serializers.BooleanField(source="is_enrolled")
    enrolled_at = serializers.DateTimeField(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    grade = serializers.CharField(allow_blank=True, help_text="A-D; empty when not enrolled.")
    grade_changed_at = serializers.DateTimeField(allow_null=True)


class DecisionSerializer(serializers.Serializer):
    service = serializers.CharField()
    service_name = serializers.CharField()
    decision = serializers.CharField(help_text="priority, allowed, review or denied.")
    grade = serializers.CharField(allow_null=True, help_text="Null for a service agency unless the service's "
                                                             "disclose_score is true (services.yaml).")
    score = serializers.IntegerField(allow_null=True, help_text="Null for a service agency unless the service's "
                                                                "disclose_score is true (services.yaml).")
    reason = serializers.CharField(help_text="The decision and the policy line behind it; names the grade and "
                                             "score only where they are disclosed.")
    policy_reference = serializers.CharField(help_text="The policy file and line behind the decision.")
    policy_version = serializers.CharField()
    under_appeal_since = serializers.DateField(
        allow_null=True, help_text="Set while an appeal against the citizen's record is open: act with care.")


class EligibilitySerializer(serializers.Serializer):
    resident_id = serializers.CharField()
    decisions = DecisionSerializer(many=True, help_text="One decision, or one per service the caller may ask "
                                                          "about without ?service=.")


def eligibility_dict(resident_id: str, decisions: list) -> dict:
    """``EligibilitySerializer``'s output, built directly for the API's most frequent answer (tests check
    the two agree)."""
    return {"resident_id": resident_id, "decisions": [{
        "service": d.service, "service_name": d.service_name, "decision": d.decision, "grade": d.grade,
        "score": d.score, "reason": d.reason, "policy_reference": d.policy_reference,
        "policy_version": d.policy_version,
        "under_appeal_since": d.under_appeal_since.isoformat() if d.under_appeal_since else None,
    } for d in decisions]}


class EventSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    status = serializers.CharField(help_text="applied, retracted or voided.")


class AgencySummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LedgerEntryExplainedSerializer(serializers.Serializer):
    """One ledger line with everything needed to understand it."""

    id = serializers.IntegerField()
    date = serializers.DateTimeField(source="created_at", help_text="When the entry was written.")
    kind = serializers.CharField(help_text="opening, rule, reversal, expiry, suspension, reinstated or lifted.")
    delta = serializers.IntegerField()
    balance_after = serializers.IntegerField(help_text="The running balance after this entry.")
    rule_id = serializers.CharField()
    rule_title = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField(
        help_text="The entry in plain words, as the statement and the notices word it (points.explain).")
    legal_basis = serializers.SerializerMethodField()
    rule_in_force = serializers.SerializerMethodField(help_text="Whether the policy in force still has the rule.")
    policy_version = serializers.CharField(help_text="The policy version that produced the entry.")
    event = EventSummarySerializer()
    reporting_agency = AgencySummarySerializer(source="event.agency")
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    expires_on = serializers.DateField(allow_null=True)

    def _explained(self, entry):
        cache = self.context.setdefault("_explained", {})
        if entry.pk not in cache:
            cache[entry.pk] = entry_explanation(entry=entry, policy=self.context["policy"])
        return cache[entry.pk]

    def get_rule_title(self, entry) -> str:
        return self._explained(entry).title

    def get_explanation(self, entry) -> str:
        return self._explained(entry).text

    def get_legal_basis(self, entry) -> str:
        return self._explained(entry).legal_basis

    def get_rule_in_force(self, entry) -> bool:
        return self._explained(entry).rule_in_force


class AgencyLedgerEntrySerializer(LedgerEntryExplainedSerializer):
    """A ledger line as a reporting agency sees it: its own report's entry, without the running balance
    (the person's whole score)."""

    balance_after = None
