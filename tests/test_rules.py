"""The service-type table and the vital-sign thresholds (sessions_app/rules.py, DOMAIN.md)."""

from __future__ import annotations

import pytest

from sessions_app.rules import (
    SERVICE_RULES,
    Drug,
    Route,
    ServiceType,
    bp_needs_dose_decision,
    implausible_vitals,
    rule_for,
    vitals_flags,
    vitals_interval_minutes,
)

NORMAL = {"systolic": 120, "diastolic": 80, "heart_rate": 70, "spo2": 98, "respiratory_rate": 14}


@pytest.mark.parametrize(
    ("service_type", "min_patients", "max_patients", "drug", "routes"),
    [
        (ServiceType.GUIDED, 1, 1, Drug.KETAMINE, (Route.IM,)),
        (ServiceType.SEMI_GUIDED, 1, 1, Drug.KETAMINE, (Route.IM, Route.IV)),
        (ServiceType.IV_INFUSION, 1, 1, Drug.KETAMINE, (Route.IV,)),
        (ServiceType.COUPLES, 2, 2, Drug.KETAMINE, (Route.IM,)),
        (ServiceType.GROUP, 2, 6, Drug.KETAMINE, (Route.IM,)),
        (ServiceType.SPRAVATO, 1, 1, Drug.ESKETAMINE, (Route.INTRANASAL,)),
    ],
)
def test_the_service_type_table_matches_the_domain(
    service_type, min_patients, max_patients, drug, routes
):
    rule = rule_for(service_type)
    assert (rule.min_patients, rule.max_patients) == (min_patients, max_patients)
    assert rule.drug == drug
    assert rule.routes == routes


def test_every_service_type_has_exactly_one_rule():
    assert set(SERVICE_RULES) == set(ServiceType.values)


def test_only_spravato_is_spravato():
    assert [r.service_type for r in SERVICE_RULES.values() if r.is_spravato] == [
        ServiceType.SPRAVATO
    ]


@pytest.mark.parametrize(
    ("service_type", "text"),
    [(ServiceType.GUIDED, "1"), (ServiceType.COUPLES, "exactly 2"), (ServiceType.GROUP, "2 to 6")],
)
def test_the_patient_count_reads_as_the_front_desk_says_it(service_type, text):
    assert rule_for(service_type).patient_count_text == text


def test_normal_vitals_are_plausible_and_not_flagged():
    assert implausible_vitals(NORMAL) == {}
    assert vitals_flags(NORMAL, pre_dose=True) == []


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [
        ("systolic", 50, 260),
        ("diastolic", 30, 160),
        ("heart_rate", 20, 250),
        ("spo2", 50, 100),
        ("respiratory_rate", 4, 60),
    ],
)
def test_each_plausibility_boundary_is_inclusive(field, low, high):
    # Keep the BP pair consistent so only the field under test can be wrong.
    pair = {"systolic": 200, "diastolic": 60} if field in ("systolic", "diastolic") else {}
    for ok in (low, high):
        values = {**NORMAL, **pair, field: ok}
        if field == "systolic" and ok == low:
            values["diastolic"] = 40
        assert field not in implausible_vitals(values), (field, ok)
    for bad in (low - 1, high + 1):
        values = {**NORMAL, **pair, field: bad}
        if field == "systolic" and bad == low - 1:
            values["diastolic"] = 40
        errors = implausible_vitals(values)
        assert field in errors, (field, bad)
        assert f"expected {low} to {high}" in errors[field]


def test_diastolic_must_be_below_systolic():
    errors = implausible_vitals({**NORMAL, "systolic": 100, "diastolic": 100})
    assert errors == {"diastolic": "Diastolic pressure must be below systolic pressure."}


def test_half_a_blood_pressure_is_refused():
    assert implausible_vitals({"systolic": 120, "diastolic": None}) == {
        "diastolic": "Enter both systolic and diastolic blood pressure."
    }


@pytest.mark.parametrize(
    ("systolic", "diastolic", "needs"),
    [(140, 90, False), (141, 80, True), (130, 91, True), (None, None, False)],
)
def test_a_pre_dose_bp_above_140_over_90_needs_a_decision(systolic, diastolic, needs):
    assert bp_needs_dose_decision(systolic, diastolic) is needs


def test_a_pre_dose_bp_above_140_over_90_is_flagged_only_before_the_dose():
    values = {**NORMAL, "systolic": 150, "diastolic": 85}
    assert vitals_flags(values, pre_dose=True) == ["Pre-dose BP 150/85 above 140/90"]
    assert vitals_flags(values, pre_dose=False) == []


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"systolic": 180, "diastolic": 100}, "BP 180/100 at or above 180/110"),
        ({"systolic": 170, "diastolic": 110}, "BP 170/110 at or above 180/110"),
        ({"heart_rate": 111}, "Heart rate 111 above 110"),
        ({"spo2": 91}, "SpO2 91% below 92%"),
    ],
)
def test_alarming_values_are_flagged_at_any_time(changes, flag):
    assert vitals_flags({**NORMAL, **changes}, pre_dose=False) == [flag]


@pytest.mark.parametrize(
    "changes",
    [{"systolic": 179, "diastolic": 109}, {"heart_rate": 110}, {"spo2": 92}],
)
def test_values_at_the_alert_thresholds_are_not_flagged_after_the_dose(changes):
    assert vitals_flags({**NORMAL, **changes}, pre_dose=False) == []


def test_thresholds_are_read_from_settings_at_call_time(settings):
    settings.CLINIC_RULES = {**settings.CLINIC_RULES, "ANY_TIME_HEART_RATE_ABOVE": 100}
    assert vitals_flags({**NORMAL, "heart_rate": 105}, pre_dose=False) == [
        "Heart rate 105 above 100"
    ]


def test_iv_vitals_every_10_minutes_during_the_infusion_and_15_after():
    def every(minutes: float) -> int | None:
        return vitals_interval_minutes(
            ServiceType.IV_INFUSION, minutes_since_dose=minutes, infusion_minutes=40
        )

    assert every(39) == 10
    assert every(40) == 15
    assert (
        vitals_interval_minutes(ServiceType.GUIDED, minutes_since_dose=5, infusion_minutes=None)
        == 15
    )
    assert (
        vitals_interval_minutes(ServiceType.SPRAVATO, minutes_since_dose=5, infusion_minutes=None)
        is None
    )
