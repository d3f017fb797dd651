"""The registry keeps the last good policy in force and swaps only clean ones."""
import datetime as dt

import pytest

from rules import registry
from rules.errors import PolicyError

from .conftest import SHIPPED


@pytest.fixture(autouse=True)
def clean_registry():
    registry.reset()
    yield
    registry.reset()


def test_current_policy_loads_settings_dir_once(settings):
    settings.POLICY_DIR = SHIPPED
    first = registry.current_policy()
    assert registry.current_policy() is first
    assert first.directory == SHIPPED


def test_startup_with_a_bad_policy_raises(settings, write_policy):
    settings.POLICY_DIR = write_policy(rules_yaml="rules: [")
    with pytest.raises(PolicyError):
        registry.current_policy()


def test_reload_keeps_the_old_policy_when_the_new_one_is_bad(settings, write_policy):
    settings.POLICY_DIR = SHIPPED
    old = registry.current_policy()
    old.evaluate("blood_donation", {}, {}, dt.date(2024, 6, 1))
    engine = old.engine()
    bad = write_policy(rules_yaml="rules:\n  - id: X\n")
    with pytest.raises(PolicyError) as info:
        registry.reload_policy(bad)
    assert "rules.yaml:2:5: error: missing key 'title' in a rule [X]" in str(info.value)
    assert registry.current_policy() is old
    assert not engine.closed


def test_reload_swaps_in_a_good_policy_and_closes_the_old_engine(settings, write_policy):
    settings.POLICY_DIR = SHIPPED
    old = registry.current_policy()
    engine = old.engine()
    rules_yaml = SHIPPED.joinpath("rules.yaml").read_text().replace("points: 50", "points: 60")
    new_dir = write_policy(rules_yaml=rules_yaml)
    new = registry.reload_policy(new_dir)
    assert registry.current_policy() is new
    assert new.version != old.version
    assert new.rules["SN-ELDERLY-CARE"].points == 60
    assert engine.closed


def test_resolver_hook_can_swap_the_policy(settings):
    settings.POLICY_DIR = SHIPPED
    base = registry.current_policy()
    newer = registry.policy_from_files(dict(base.files))
    registry.set_resolver(lambda current: newer if current is base else None)
    assert registry.current_policy() is newer
    assert registry.current_policy() is newer
