"""The service-type table and the clinical thresholds: one source of truth.

Forms, services, admin and reports read these; nothing else hard-codes a patient count, a route
or a threshold. Numbers a medical director may tune come from settings.CLINIC_RULES / REMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models


class ServiceType(models.TextChoices):
    GUIDED = "guided", "Guided (1:1, IM)"
    SEMI_GUIDED = "semi_guided", "Semi-guided (IM or IV)"
    IV_INFUSION = "iv_infusion", "IV infusion"
    COUPLES = "couples", "Couples"
    GROUP = "group", "Group"
    SPRAVATO = "spravato", "Spravato (esketamine)"


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine"
    ESKETAMINE = "esketamine", "Esketamine (Spravato)"


class Route(models.TextChoices):
    IM = "im", "Intramuscular (IM)"
    IV = "iv", "Intravenous (IV)"
    INTRANASAL = "intranasal", "Intranasal"


@dataclass(frozen=True)
class ServiceRule:
    service_type: ServiceType
    min_patients: int
    max_patients: int
    drug: Drug
    routes: tuple[Route, ...]
    default_minutes: int
    description: str

    @property
    def is_spravato(self) -> bool:
        return self.service_type == ServiceType.SPRAVATO

    @property
    def patient_count_text(self) -> str:
        if self.min_patients == self.max_patients:
            return f"exactly {self.min_patients}" if self.min_patients > 1 else "1"
        return f"{self.min_patients} to {self.max_patients}"


SERVICE_RULES: dict[str, ServiceRule] = {
    ServiceType.GUIDED: ServiceRule(
        ServiceType.GUIDED,
        1,
        1,
        Drug.KETAMINE,
        (Route.IM,),
        180,
        "One patient, ketamine IM, lead guide with extensive preparation and integration.",
    ),
    ServiceType.SEMI_GUIDED: ServiceRule(
        ServiceType.SEMI_GUIDED,
        1,
        1,
        Drug.KETAMINE,
        (Route.IM, Route.IV),
        120,
        "One patient, ketamine IM or IV, shorter preparation and integration.",
    ),
    ServiceType.IV_INFUSION: ServiceRule(
        ServiceType.IV_INFUSION,
        1,
        1,
        Drug.KETAMINE,
        (Route.IV,),
        120,
        "One patient, ketamine IV, typically 0.5 mg/kg over 40 minutes.",
    ),
    ServiceType.COUPLES: ServiceRule(
        ServiceType.COUPLES,
        2,
        2,
        Drug.KETAMINE,
        (Route.IM,),
        180,
        "Exactly two partners, ketamine IM, each monitored separately.",
    ),
    ServiceType.GROUP: ServiceRule(
        ServiceType.GROUP,
        2,
        settings.CLINIC_RULES["GROUP_MAX_PATIENTS"],
        Drug.KETAMINE,
        (Route.IM,),
        180,
        "Two to six patients (never above the room's capacity), ketamine IM, each monitored.",
    ),
    ServiceType.SPRAVATO: ServiceRule(
        ServiceType.SPRAVATO,
        1,
        1,
        Drug.ESKETAMINE,
        (Route.INTRANASAL,),
        150,
        "One patient, esketamine nasal spray under supervision, REMS monitoring rules.",
    ),
}


def rule_for(service_type: str) -> ServiceRule:
    return SERVICE_RULES[service_type]


def clinic_rule(name: str) -> Any:
    """A tunable threshold from settings.CLINIC_RULES (read at call time, so tests can override)."""
    return settings.CLINIC_RULES[name]


def rems_setting(name: str) -> Any:
    return settings.REMS[name]


# --- Vital signs ------------------------------------------------------------------------------

VITAL_LABELS = {
    "systolic": "Systolic BP",
    "diastolic": "Diastolic BP",
    "heart_rate": "Heart rate",
    "spo2": "SpO2",
    "respiratory_rate": "Respiratory rate",
}


def implausible_vitals(values: dict[str, int | None]) -> dict[str, str]:
    """Field -> message for values that can only be typos. Empty when all are plausible."""
    errors: dict[str, str] = {}
    for field, (low, high) in clinic_rule("VITALS_PLAUSIBLE").items():
        value = values.get(field)
        if value is not None and not low <= value <= high:
            errors[field] = (
                f"{VITAL_LABELS[field]} {value} is not plausible (expected {low} to {high}). "
                "Check for a typo."
            )
    systolic, diastolic = values.get("systolic"), values.get("diastolic")
    if (systolic is None) != (diastolic is None):
        errors.setdefault("diastolic", "Enter both systolic and diastolic blood pressure.")
    elif systolic is not None and diastolic is not None and diastolic >= systolic:
        errors.setdefault("diastolic", "Diastolic pressure must be below systolic pressure.")
    return errors


def vitals_flags(values: dict[str, int | None], *, pre_dose: bool) -> list[str]:
    """Reasons a plausible reading needs a clinician's attention (DOMAIN.md thresholds)."""
    flags: list[str] = []
    systolic, diastolic = values.get("systolic"), values.get("diastolic")
    heart_rate, spo2 = values.get("heart_rate"), values.get("spo2")
    if pre_dose and bp_needs_dose_decision(systolic, diastolic):
        flags.append(
            f"Pre-dose BP {systolic}/{diastolic} above "
            f"{clinic_rule('PRE_DOSE_SYSTOLIC_ABOVE')}/"
            f"{clinic_rule('PRE_DOSE_DIASTOLIC_ABOVE')}"
        )
    if (
        systolic is not None
        and diastolic is not None
        and (
            systolic >= clinic_rule("ANY_TIME_SYSTOLIC_AT_LEAST")
            or diastolic >= clinic_rule("ANY_TIME_DIASTOLIC_AT_LEAST")
        )
    ):
        flags.append(
            f"BP {systolic}/{diastolic} at or above "
            f"{clinic_rule('ANY_TIME_SYSTOLIC_AT_LEAST')}/"
            f"{clinic_rule('ANY_TIME_DIASTOLIC_AT_LEAST')}"
        )
    if heart_rate is not None and heart_rate > clinic_rule("ANY_TIME_HEART_RATE_ABOVE"):
        flags.append(f"Heart rate {heart_rate} above {clinic_rule('ANY_TIME_HEART_RATE_ABOVE')}")
    if spo2 is not None and spo2 < clinic_rule("ANY_TIME_SPO2_BELOW"):
        flags.append(f"SpO2 {spo2}% below {clinic_rule('ANY_TIME_SPO2_BELOW')}%")
    return flags


def bp_needs_dose_decision(systolic: int | None, diastolic: int | None) -> bool:
    """Pre-dose BP above 140/90 (Spravato label's guide): flagged, and for Spravato it needs a
    clinician's recorded decision before dosing."""
    if systolic is None or diastolic is None:
        return False
    return systolic > clinic_rule("PRE_DOSE_SYSTOLIC_ABOVE") or diastolic > clinic_rule(
        "PRE_DOSE_DIASTOLIC_ABOVE"
    )


def vitals_interval_minutes(
    service_type: str, *, minutes_since_dose: float, infusion_minutes: int | None
) -> int | None:
    """Minutes between vitals checks at this point of a session (None: no cadence applies).

    IV infusion: every 10 minutes while infusing, every 15 after (Riva-Posse et al. 2018).
    IM: every 15 after the dose. Spravato: checks at 40 minutes and before discharge instead.
    """
    if service_type == ServiceType.SPRAVATO:
        return None
    if infusion_minutes and minutes_since_dose < infusion_minutes:
        return clinic_rule("IV_VITALS_EVERY_MINUTES_DURING_INFUSION")
    return clinic_rule("VITALS_EVERY_MINUTES_AFTER_DOSE")
