"""One switch per speed layer, single parts off, and layers off on untested versions."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from perf import compat, switches


@pytest.fixture
def fresh_compat(monkeypatch):
    """compat's per-process answer forgotten before and after the test."""
    compat.layer_supported.cache_clear()
    yield monkeypatch
    compat.layer_supported.cache_clear()


def test_every_part_runs_by_default():
    assert all(switches.active(part) for part in switches.PARTS)


@override_settings(SPEED_PARTS_OFF=frozenset({"type_checks"}))
def test_a_part_can_be_turned_off_alone():
    assert not switches.active("type_checks")
    assert switches.active("executor")


@pytest.mark.parametrize("layer", ["DB", "RUNTIME", "ENGINE"])
def test_a_layer_switch_turns_all_its_parts_off(settings, layer):
    settings.SPEED_LAYERS = {**settings.SPEED_LAYERS, layer: False}
    for part, owner in switches.PARTS.items():
        assert switches.active(part) is (owner != layer), part


@override_settings(SPEED_PARTS_OFF=frozenset({"type_check"}))
def test_an_unknown_part_name_stops_start_up():
    with pytest.raises(ImproperlyConfigured, match="type_check"):
        switches.check_settings()


def test_the_installed_versions_are_the_tested_ones(fresh_compat):
    for layer in compat.TESTED:
        assert compat.mismatches(layer) == [], layer


def test_a_layer_on_an_untested_version_is_off_with_one_warning(fresh_compat, caplog):
    fresh_compat.setitem(compat.TESTED, "ENGINE", {"strawberry-graphql": "<0.1"})
    with caplog.at_level(logging.WARNING, logger="perf"):
        assert not switches.active("executor")
        assert not switches.active("type_checks")
    assert switches.active("statement_cache")
    warnings = [r.getMessage() for r in caplog.records if r.name == "perf"]
    assert len(warnings) == 1
    assert "ENGINE is off" in warnings[0] and "strawberry-graphql" in warnings[0]


def test_a_missing_distribution_counts_as_untested(fresh_compat):
    fresh_compat.setitem(compat.TESTED, "DB", {"no-such-distribution-here": ">=1"})
    assert compat.mismatches("DB") == ["no-such-distribution-here missing (tested: >=1)"]
