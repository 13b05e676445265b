"""The bench's database chores: read the context, count each page's queries, and more.

    python bench/prepare.py measure OUT.json   context, machine, queries per page (JSON)
    python bench/prepare.py analyze            VACUUM ANALYZE after the bulk load
    python bench/prepare.py password           bench_* users get $BENCH_PASSWORD

Run by bench/run.py against the same database gunicorn serves. Each page is opened twice by its
role's bench user through Django's test client (the second, warm request is counted under
CaptureQueriesContext); pages that answer 404 are reported "not available".
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.pages import PAGES  # noqa: E402
from patients.models import Patient  # noqa: E402
from sessions_app.models import Participant, Session, VitalSign  # noqa: E402


def bench_user(role: str) -> User:
    return User.objects.get(username=f"bench_{role}_1")


def read_context() -> dict[str, str]:
    clinician = bench_user("clinician")
    location = clinician.locations.order_by("pk").first()
    today = timezone.localdate()
    patient = (
        Patient.objects.filter(home_location=location)
        .annotate(n=Count("participations"))
        .order_by("-n", "pk")
        .first()
    )
    session = (
        Session.objects.filter(location=location, service_type="group", status="completed")
        .annotate(n=Count("participants"))
        .order_by("-n", "-starts_at")
        .first()
    ) or Session.objects.filter(location=location).order_by("-starts_at").first()
    return {
        "today": today.isoformat(),
        "year_ago": (today - timedelta(days=365)).isoformat(),
        "location": str(location.pk),
        "patient": str(patient.pk if patient else 0),
        "session": str(session.pk if session else 0),
        "search": patient.last_name[:3] if patient else "a",
    }


def machine() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    meminfo = Path("/proc/meminfo").read_text().split("\n")[0].split()
    return {
        "cpus": str(os.cpu_count()),
        "memory": f"{int(meminfo[1]) / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres,
        "dataset": (
            f"{Patient.objects.count():,} patients, {Session.objects.count():,} sessions, "
            f"{Participant.objects.count():,} participants, "
            f"{VitalSign.objects.count():,} vitals rows"
        ),
    }


def measure(context: dict[str, str]) -> list[dict]:
    results = []
    for page in PAGES:
        url = page.path.format(**context)
        setup = {k: v.format(**context) for k, v in page.setup_post.items()}
        entry = {
            "name": page.name,
            "url": url,
            "role": page.role,
            "kind": page.kind,
            "setup_post": setup,
            "status": None,
            "queries": None,
            "error": "",
        }
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(bench_user(page.role))
        try:
            if setup:
                client.post(url.split("?")[0], setup)
            client.get(url)  # warm: first-request caches (content types, permissions)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    for _ in response.streaming_content:
                        pass
            entry["status"] = response.status_code
            entry["queries"] = len(queries.captured_queries)
        except Exception as error:  # a broken page is a row in the table, not a stopped bench
            entry["status"] = 500
            entry["error"] = f"{type(error).__name__}: {error}"[:200]
        results.append(entry)
    return results


def main() -> None:
    command = sys.argv[1]
    if command == "analyze":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elif command == "password":
        password = make_password(os.environ["BENCH_PASSWORD"])
        User.objects.filter(username__startswith="bench_").update(password=password)
    elif command == "measure":
        context = read_context()
        out = {"context": context, "machine": machine(), "pages": measure(context)}
        Path(sys.argv[2]).write_text(json.dumps(out, indent=2))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
