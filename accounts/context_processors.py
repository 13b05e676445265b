from __future__ import annotations

from django.conf import settings

from .permissions import Capability, user_can


def capabilities(request) -> dict:
    """`can.<capability>` for templates: navigation shows only what the role may use.

    (Showing is not allowing: every view checks its capability itself.)
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can": {}, "clinic_name": settings.CLINIC_NAME}
    return {
        "can": {cap.value: user_can(user, cap) for cap in Capability},
        "clinic_name": settings.CLINIC_NAME,
    }
