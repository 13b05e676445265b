from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from .models import AccessEvent
from .registry import audited_models

# auditlog's numeric actions, named for people and for the allow-list below.
CHANGE_ACTIONS = {"create": 0, "update": 1, "delete": 2, "access": 3}
ACTION_CHOICES = [
    ("", "Any action"),
    ("create", "Created"),
    ("update", "Changed"),
    ("delete", "Deleted"),
    *[(value, label) for value, label in AccessEvent.Action.choices],
]
ORDER_CHOICES = [("-timestamp", "Newest first"), ("timestamp", "Oldest first")]

DATE_RANGE_BACKWARDS = "The end date is before the start date."


def object_type_choices() -> list[tuple[str, str]]:
    models = sorted(audited_models(), key=lambda m: m._meta.label_lower)
    return [("", "Any type")] + [
        (m._meta.label_lower, f"{m._meta.app_config.verbose_name}: {m._meta.verbose_name}")
        for m in models
    ]


class AuditFilterForm(forms.Form):
    """Filters for the trail. None of them is PHI, so they travel in the query string."""

    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"), required=False, label="User"
    )
    action = forms.ChoiceField(choices=ACTION_CHOICES, required=False)
    object_type = forms.ChoiceField(choices=(), required=False, label="Object type")
    object_id = forms.RegexField(
        regex=r"^\d{1,18}$", required=False, label="Object id", max_length=18
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    ip = forms.GenericIPAddressField(required=False, label="IP address")
    order = forms.ChoiceField(choices=ORDER_CHOICES, required=False, label="Order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = object_type_choices()
        self.fields["user"].label_from_instance = lambda u: f"{u.get_username()} ({u})"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", DATE_RANGE_BACKWARDS)
        return cleaned


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        label="Clinical reason for opening this chart",
        help_text="Administrators review every emergency access. Say why it cannot wait.",
    )
