from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address. X-Forwarded-For counts only as far as trusted proxies wrote it.

    With TRUSTED_PROXY_COUNT = n, the n-th address from the right is the one our first proxy
    saw; anything left of it was written by the client and is ignored.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address
