from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class AxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every login that comes with a request.

    Every login over HTTP (the login form, the admin) passes the request. Code without one (a
    management command, the test client's `login()`) cannot be a remote guess, so it goes on
    to the next backend instead of failing with AxesBackendRequestParameterRequired.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
