"""The guide's preparation checklist ("set and setting") for one participant.

Unlike the clinical records, the checklist is a working list that is ticked off and corrected
during preparation, so it is updated in place (the audit log keeps its history).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User

from ..models import Participant, Session

PREPARATION_CLOSED = "The preparation checklist can only be changed before medication starts."
PREPARATION_NOT_ATTENDING = "{patient} is not attending this session."
INTENTION_TOO_LONG = "Keep the intention under {limit} characters."

INTENTION_MAX_LENGTH = 2000


@transaction.atomic
def participant_update_preparation(
    *,
    participant: Participant,
    actor: User,
    intention: str,
    grounding_done: bool,
    breathwork_done: bool,
    set_and_setting_done: bool,
) -> Participant:
    """Save the checklist. Open while the session is scheduled or in its preparation phase."""
    # Two people ticking the same checklist: the row lock makes the saves run one after another.
    participant = (
        Participant.objects.select_for_update()
        .select_related("session", "patient")
        .get(pk=participant.pk)
    )
    session = participant.session
    if not session.is_open or session.phase != Session.Phase.PREPARATION:
        raise ValidationError(PREPARATION_CLOSED)
    if not participant.is_active:
        raise ValidationError(
            PREPARATION_NOT_ATTENDING.format(patient=participant.patient.short_name)
        )
    intention = intention.strip()
    if len(intention) > INTENTION_MAX_LENGTH:
        raise ValidationError(
            {"intention": [INTENTION_TOO_LONG.format(limit=INTENTION_MAX_LENGTH)]}
        )
    participant.intention = intention
    participant.grounding_done = grounding_done
    participant.breathwork_done = breathwork_done
    participant.set_and_setting_done = set_and_setting_done
    participant.save(
        update_fields=[
            "intention",
            "grounding_done",
            "breathwork_done",
            "set_and_setting_done",
            "updated_at",
        ]
    )
    return participant
