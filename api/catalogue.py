"""The policy's catalogue as the API shows it: event types, services, the version in force."""
from rest_framework import serializers

from rules.registry import current_policy


def event_types() -> list:
    """Every event type of the policy in force, by name."""
    policy = current_policy()
    return [policy.event_types[name] for name in sorted(policy.event_types)]


def services() -> list:
    """Every service of the policy in force, in catalogue order."""
    return list(current_policy().services.values())


class AttributeSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.JSONField(), allow_null=True)
    min = serializers.JSONField(allow_null=True)
    max = serializers.JSONField(allow_null=True)
    description = serializers.CharField(allow_blank=True, allow_null=True)


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True, allow_null=True)
    reported_by = serializers.ListField(child=serializers.CharField(), help_text="Agency codes that may report it.")
    system = serializers.BooleanField(help_text="Recorded by the register only, never through the API.")
    attributes = serializers.SerializerMethodField()

    def get_attributes(self, event_type) -> AttributeSerializer(many=True):
        return AttributeSerializer(list(event_type.attributes.values()), many=True).data


class EffectSerializer(serializers.Serializer):
    grade = serializers.CharField()
    decision = serializers.CharField()
    note = serializers.CharField(allow_blank=True, allow_null=True)


class ServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True, allow_null=True)
    effects = serializers.SerializerMethodField(help_text="The decision for each grade.")
    disclose_score = serializers.BooleanField(help_text="Whether service agencies see the grade and score with "
                                                        "each decision (otherwise only the decision and reason).")

    def get_effects(self, service) -> EffectSerializer(many=True):
        rows = [{"grade": grade, "decision": e.decision, "note": e.note} for grade, e in service.effects.items()]
        return EffectSerializer(rows, many=True).data


class GradeBandSerializer(serializers.Serializer):
    grade = serializers.CharField()
    min = serializers.IntegerField(allow_null=True)
    max = serializers.IntegerField(allow_null=True)


class RuleSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    explanation = serializers.CharField(allow_blank=True, allow_null=True)
    event_type = serializers.CharField()
    legal_basis = serializers.CharField(allow_blank=True, allow_null=True)
    effective_from = serializers.DateField(allow_null=True)
    effective_to = serializers.DateField(allow_null=True)


class PolicySerializer(serializers.Serializer):
    version = serializers.CharField(help_text="sha256 of the policy files; every ledger entry names one.")
    starting_points = serializers.IntegerField()
    floor = serializers.IntegerField(allow_null=True)
    ceiling = serializers.IntegerField(allow_null=True)
    appeal_deadline_days = serializers.IntegerField(allow_null=True)
    grades = GradeBandSerializer(many=True)
    rules = serializers.SerializerMethodField()

    def get_rules(self, policy) -> RuleSerializer(many=True):
        return RuleSerializer(list(policy.rules.values()), many=True).data
