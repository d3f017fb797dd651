"""Policy texts per language: every text in zh-hans and en, read in the active language."""
import pytest
from django.utils import translation

from rules.loader import policy_from_files

from .conftest import shipped_files
from .test_loader import RULE, problems_of


def _texts(policy):
    for event_type in policy.event_types.values():
        yield event_type.title_text
        yield event_type.description_text
        yield from (attribute.description_text for attribute in event_type.attributes.values())
    for rule in policy.rules.values():
        yield from (rule.title_text, rule.explanation_text, rule.legal_basis_text)
    for service in policy.services.values():
        yield from (service.name_text, service.description_text)
        yield from (effect.note_text for effect in service.effects.values() if effect.note_text)
    yield from (policy.agencies.text(code) for code in policy.agencies)


def test_every_shipped_text_is_in_both_languages(shipped):
    texts = list(_texts(shipped))
    assert len(texts) > 100
    for text in texts:
        assert text.languages() == ("zh-hans", "en"), text
        assert text.get("zh-hans") != text.get("en")


def test_texts_follow_the_active_language(shipped):
    rule = shipped.rules["SN-ELDERLY-CARE"]
    with translation.override("zh-hans"):
        assert (rule.title, shipped.agencies["police"]) == ("赡养照料老人", "公安局")
        assert shipped.effect("driving_licence", "D").note == "D 级不予核发或换发驾驶证。"
    for asked in ("zh-cn", "zh", "zh-hant"):  # the register's only Chinese is Simplified
        with translation.override(asked):
            assert rule.title == "赡养照料老人"
    with translation.override("en"):
        assert rule.title == "Caring for elderly family members"
        assert shipped.services["driving_licence"].name == "Driving licence"
    with translation.override("fr"):  # not offered: the register's fallback language (English in tests)
        assert rule.title == "Caring for elderly family members"


def test_a_missing_translation_is_an_error_at_its_line(write_policy):
    rules = RULE.replace("title: {zh-hans: 标题, en: t}", "title: {zh-hans: 标题}")
    assert problems_of(write_policy, rules_yaml=rules) == [
        "rules.yaml:3:12: error: missing en translation of 'title' in a rule [R1]"]


def test_a_plain_string_is_a_missing_translation(write_policy):
    rules = RULE.replace("legal_basis: {zh-hans: 依据, en: b}", "legal_basis: b")
    assert problems_of(write_policy, rules_yaml=rules) == [
        "rules.yaml:7:18: error: missing translation: 'legal_basis' in a rule must be given in every language, "
        "{zh-hans: …, en: …} [R1]"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("{zh-hans: 标题, en: t, fr: t}",
         "rules.yaml:3:33: error: unknown language 'fr' in 'title' of a rule (languages: zh-hans, en) [R1]"),
        ("{zh-hans: '', en: t}", "rules.yaml:3:22: error: the zh-hans text of 'title' in a rule must be a "
                                 "non-empty string [R1]"),
    ],
)
def test_unknown_languages_and_empty_texts_are_errors(write_policy, title, expected):
    rules = RULE.replace("{zh-hans: 标题, en: t}", title)
    assert problems_of(write_policy, rules_yaml=rules) == [expected]


def test_agency_names_need_both_languages(write_policy):
    events = shipped_files()["events.yaml"].replace("    en: Red Cross Society\n", "")
    lines = problems_of(write_policy, events_yaml=events)
    assert lines == ["events.yaml:22:5: error: missing en translation of 'red_cross' in agencies"]


def test_a_stored_version_from_before_translations_still_loads(shipped):
    """Versions published with plain strings keep explaining the entries they made."""
    files = dict(shipped.files)
    files["rules.yaml"] = "rules:\n" + RULE.split("\n", 1)[1].replace("{zh-hans: 标题, en: t}", "Old title")
    policy = policy_from_files(files)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert policy.rules["R1"].title == "Old title"
    policy.close()


def test_problems_are_reported_in_the_readers_language(write_policy):
    rules = RULE.replace("title: {zh-hans: 标题, en: t}", "title: {zh-hans: 标题}")
    with translation.override("zh-hans"):
        lines = problems_of(write_policy, rules_yaml=rules)
    # The message is translated; the names it quotes (the key, the place in the file) are the file's own.
    assert lines == ["rules.yaml:3:12: error: 缺少 a rule 中“title”的 en 译文 [R1]"]
