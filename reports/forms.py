"""The filter form every report shares (GET; ids and dates only, never PHI)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from facilities.models import Location
from sessions_app.rules import ServiceType

from .selectors.common import ReportFilters

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366 + 1
END_BEFORE_START = "The end date must be on or after the start date."
RANGE_TOO_LONG = "Choose a range of at most three years."


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportFilterForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())
    location = forms.ModelChoiceField(
        label="Location", queryset=Location.objects.all(), required=False, empty_label="All"
    )
    service_type = forms.ChoiceField(
        label="Service", choices=[("", "All"), *ServiceType.choices], required=False
    )
    guide = forms.ModelChoiceField(
        label="Guide",
        queryset=User.objects.filter(groups__name=GROUP_NAMES[Role.GUIDE]).order_by(
            "last_name", "first_name", "pk"
        ),
        required=False,
        empty_label="All",
    )

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        defaults = {
            "start": (today - timedelta(days=DEFAULT_DAYS)).isoformat(),
            "end": today.isoformat(),
        }
        if data is not None:
            # Missing dates fall back to the default range; everything else is as given.
            merged = {**defaults, **{k: v for k, v in data.items() if v != ""}}
            data = merged
        else:
            data = defaults
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start: date | None = cleaned.get("start")
        end: date | None = cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", END_BEFORE_START)
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", RANGE_TOO_LONG)
        return cleaned

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            start=data["start"],
            end=data["end"],
            location_id=data["location"].pk if data.get("location") else None,
            service_type=data.get("service_type") or None,
            guide_id=data["guide"].pk if data.get("guide") else None,
            period=data.get("period") or "week",
        )


class ActivityFilterForm(ReportFilterForm):
    period = forms.ChoiceField(
        label="Group by",
        choices=[("week", "Week"), ("month", "Month")],
        required=False,
    )


def filter_form_for(slug: str, data=None) -> ReportFilterForm:
    form_class = ActivityFilterForm if slug == "activity" else ReportFilterForm
    return form_class(data)
