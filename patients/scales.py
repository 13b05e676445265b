"""Outcome scales: item counts, ranges and severity bands (../shared/DOMAIN.md, "Outcome scales").

One table, read by the assessment service, the patient chart and the outcomes report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Scale


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class ScaleSpec:
    scale: Scale
    items: int
    item_max: int
    bands: tuple[Band, ...]
    # Remission threshold: total strictly below this (None where the scale defines none).
    remission_below: int | None = None

    @property
    def max_total(self) -> int:
        return self.items * self.item_max

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        return ""


SCALES: dict[str, ScaleSpec] = {
    Scale.PHQ9: ScaleSpec(
        Scale.PHQ9,
        items=9,
        item_max=3,
        bands=(
            Band(0, 4, "Minimal"),
            Band(5, 9, "Mild"),
            Band(10, 14, "Moderate"),
            Band(15, 19, "Moderately severe"),
            Band(20, 27, "Severe"),
        ),
        remission_below=5,
    ),
    Scale.GAD7: ScaleSpec(
        Scale.GAD7,
        items=7,
        item_max=3,
        bands=(
            Band(0, 4, "Minimal"),
            Band(5, 9, "Mild"),
            Band(10, 14, "Moderate"),
            Band(15, 21, "Severe"),
        ),
    ),
    Scale.MADRS: ScaleSpec(
        Scale.MADRS,
        items=10,
        item_max=6,
        bands=(
            Band(0, 6, "Normal"),
            Band(7, 19, "Mild"),
            Band(20, 34, "Moderate"),
            Band(35, 60, "Severe"),
        ),
        remission_below=11,
    ),
    Scale.PCL5: ScaleSpec(
        Scale.PCL5,
        items=20,
        item_max=4,
        bands=(Band(0, 30, "Below threshold"), Band(31, 80, "Probable PTSD")),
    ),
    Scale.CADSS: ScaleSpec(
        Scale.CADSS,
        items=23,
        item_max=4,
        bands=(Band(0, 92, "Dissociation score"),),
    ),
}

# A drop of at least this share from the course baseline is a response.
RESPONSE_DROP = 0.5
PHQ9_SELF_HARM_ITEM = 9
