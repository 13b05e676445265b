from __future__ import annotations

import pytest
from django.urls import reverse

from reports.urls import PAGE_NAMES

# Every report page, by URL name.
REPORT_PAGES = list(PAGE_NAMES.values())


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def page_url(name: str) -> str:
    return reverse(name)


MARCH = {"start": "2025-03-01", "end": "2025-03-31"}
