"""Fill the database with years of generated clinic history for the benchmark (issue 6).

    python manage.py seed_bulk --patients 20000 --sessions 200000 [--seed 42] [--now ISO]

Rows go straight into the tables (PostgreSQL COPY, executemany elsewhere) with ids chosen here,
bypassing the services: they book one session at a time behind row locks and would take hours
for 200,000 sessions. The data still satisfies every CheckConstraint and the PostgreSQL exclusion
constraints because the schedule is built from disjoint slots: a room holds at most one session
per slot, and within a slot each location's sessions get distinct lead guides, co-guides and
clinicians (staff work at one location). A patient has one active treatment course at a time
and at most one session a day, so patients are never double-booked either.

Each chunk of sessions is committed with its participants and clinical records, so the progress
bar moves steadily and PostgreSQL's deferred foreign-key checks run per chunk rather than all at
commit. An interrupted run leaves a partial dataset: use a fresh database (`make bench` does).

Staff log in as bench_<role>_<n> (e.g. bench_clinician_1) with the password in $BENCH_PASSWORD,
or BENCH_PASSWORD_DEFAULT below: a bench-only constant for a throwaway database on a unix socket.
Every name is generated from the lists below; none belongs to a real patient.
"""

from __future__ import annotations

import heapq
import io
import json
import math
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from accounts.models import User
from accounts.roles import GROUP_NAMES, Role
from facilities.models import Location, Room
from patients.models import Assessment, Patient, TreatmentCourse
from patients.scales import SCALES
from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    DoseDecision,
    IntegrationNote,
    NoteAddendum,
    Participant,
    PhaseTransition,
    RemsMonitoringForm,
    Session,
    VitalSign,
)
from sessions_app.rules import SERVICE_RULES, clinic_rule, vitals_flags

BENCH_PASSWORD_DEFAULT = "bench-only-password-not-secret"
ALREADY_SEEDED = (
    "This database already holds benchmark data (bench_* users). Use a fresh database, "
    "or pass --skip-if-seeded."
)

# --- Generated names and texts ----------------------------------------------------------------
FIRST_NAMES = (  # noqa: SIM905 (a word list reads better as one string)
    "Ada Alma Amos Anika Arlo Basil Bea Bram Cara Cato Cleo Cyril Dara Dov Edda Elio Enid Esme "
    "Fenna Finn Flo Gert Gus Hale Hana Ines Ira Isla Ivo Jae Juno Kai Kira Lars Lena Lior Mae "
    "Milo Mira Nell Nico Noor Odin Olla Oren Pia Quin Rafe Rhea Rory Saba Sol Tam Tova Uma Vale "
    "Wren Xavi Yara Zev Zora"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abernet Ashgrove Baylock Bramwell Carrow Castellan Dunmore Elsworth Farrand Fenwick Galloway "
    "Hartwell Holloway Iverly Jessup Kendrow Kestrel Larkin Lowther Marlowe Merrow Nettleford "
    "Northam Oakhurst Ormsby Pellow Quarrier Ravensby Redfern Rookwood Saltmarsh Sedley Thornbury "
    "Tolliver Underhill Vantreight Wexley Whitcombe Yardley Zellweg Ambry Brindle Coldwell "
    "Delacourt Emberly Foxley Greaves Hadley Ingleby Jarrow Kirkwall Lindqvist Mossley Newbold "
    "Ollerton Penhallow Quenby Rushworth Stainer Tarrant Upshaw Verlaine Winterbourne Yelland"
).split()
LOCATIONS = (
    ("Alder Street", "100 Alder Street", 6),
    ("Birch Avenue", "2200 Birch Avenue, Suite 4", 8),
    ("Cypress Court", "7 Cypress Court", 6),
    ("Dogwood Plaza", "415 Dogwood Plaza", 4),
    ("Elmwood", "88 Elmwood Road", 6),
    ("Fir Hill", "3 Fir Hill Lane", 5),
)  # name, address, group room capacity (group sizes never exceed it)
ROOM_NAMES = ("Willow", "Heron", "Juniper", "Moss", "Tandem", "Circle")
SINGLE_ROOMS, SLOTS = 4, ((7, 0), (10, 0), (13, 0), (16, 0))  # four 3-hour slots, 07:00-19:00
SLOT_MINUTES = 180
GUIDES_PER_LOCATION, CLINICIANS_PER_LOCATION, FRONT_DESK_PER_LOCATION = 8, 6, 2
ADMINISTRATORS = 3
FILL = 0.8  # share of room slots booked

# Service mix per room kind: single rooms, the couples room (capacity 2), the group room.
ROOM_MIX = {
    "single": {"guided": 27, "semi_guided": 22, "iv_infusion": 23, "spravato": 28},
    "couples": {"couples": 60, "guided": 10, "semi_guided": 10, "iv_infusion": 10, "spravato": 10},
    "group": {"group": 60, "guided": 10, "semi_guided": 10, "iv_infusion": 10, "spravato": 10},
}
# Minutes of preparation, medication (dose to integration) and integration per service type.
PHASE_MINUTES = {
    "guided": (40, 85, 45),
    "semi_guided": (25, 60, 25),
    "iv_infusion": (20, 65, 25),
    "couples": (40, 85, 45),
    "group": (45, 80, 45),
    "spravato": (12, 124, 10),
}
CANCEL_REASONS = (
    "Patient unwell (cold symptoms)",
    "Transport fell through",
    "Rescheduled at the patient's request",
    "Elevated blood pressure at check-in, rebooked",
    "Insurance authorisation pending",
    "Guide off sick",
    "Weather closure",
)
INTENTIONS = (
    "Let go of the weight I carry into every morning.",
    "Meet my grief with more gentleness.",
    "Understand where my anxiety comes from.",
    "Feel connected to my partner again.",
    "Rest, and notice what comes up.",
    "Find some distance from the constant self-criticism.",
)
NOTE_TEXTS = {
    "talk": "Talked through the session; {p} described a sense of spaciousness and relief.",
    "journaling": "{p} journaled about childhood memories that surfaced; plans to revisit them.",
    "art": "{p} drew the imagery from the session and named it 'the open door'.",
    "mindfulness": "Body scan together; {p} noticed less tension in the chest than last time.",
    "meditation": "Short guided meditation; {p} felt calm and grounded before leaving.",
}
TRANSPORT = ("Driver: partner", "Driver: friend", "Taxi booked by front desk", "Driver: parent")
AE_KINDS = (
    ("nausea", 35),
    ("dizziness", 20),
    ("headache", 15),
    ("elevated_bp", 10),
    ("anxiety", 10),
    ("vomiting", 5),
    ("dissociation", 4),
    ("other", 1),
)


@dataclass(slots=True, eq=False)
class _Plan:
    """One session decided by the schedule, written later with its clinical records."""

    loc: int
    room_id: int
    service_type: str
    route: str
    starts: datetime
    ends: datetime
    status: str
    cut: datetime | None
    lead: int
    co_guide: int | None
    clinician: int
    members: list[tuple[_Course, int, int, bool, int]]  # course, member, patient, attends, no.


@dataclass(slots=True, eq=False)
class _Course:
    id: int
    patients: list[int]  # patient indexes: two for couples (one course row each), else one
    ids: list[int]  # course row id per patient
    service_type: str
    kind: str
    planned: int
    gap: tuple[int, int]
    stop_after: int | None
    started_on: date
    next_day: int = 0
    done: int = 0
    status: str = "active"
    baselines: list[dict[str, int]] = field(default_factory=list)
    drop: float = 0.5


class _Writer:
    """Insert plain tuples into a model's table: COPY on PostgreSQL, executemany elsewhere."""

    _COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

    def __init__(self) -> None:
        self.copy = connection.vendor == "postgresql"
        self.rows_written = 0

    def _copy_text(self, value: Any) -> str:
        if value is None:
            return "\\N"
        kind = type(value)
        if kind is str:
            return value.translate(self._COPY_ESCAPES)
        if kind is bool:
            return "t" if value else "f"
        if kind is datetime or kind is date:
            return value.isoformat()
        if kind is list or kind is dict:
            return json.dumps(value)
        return str(value)

    def _sql_value(self, value: Any) -> Any:
        # As Django's SQLite backend stores them: naive UTC datetimes, ISO dates.
        if isinstance(value, datetime):
            return str(value.astimezone(UTC).replace(tzinfo=None))
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, list | dict):
            return json.dumps(value)
        return value

    def insert(self, model: type[Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.copy:
                text = self._copy_text
                buffer = io.StringIO()
                buffer.writelines("\t".join(map(text, row)) + "\n" for row in rows)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer, size=1 << 20
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    # Table and column names come from the models, never from input.
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                    [tuple(map(self._sql_value, row)) for row in rows],
                )
        self.rows_written += len(rows)


# Columns written per model, in the order the generator builds each row.
COLUMNS: dict[type[Model], tuple[str, ...]] = {
    Patient: (
        "id mrn first_name last_name date_of_birth sex home_location_id email phone address "
        "emergency_contact_name emergency_contact_phone emergency_contact_relationship "
        "contraindications allergies current_medications prior_treatments consent_signed_on "
        "has_aneurysmal_vascular_disease has_arteriovenous_malformation "
        "has_intracerebral_hemorrhage_history has_ketamine_hypersensitivity preferred_guide_id "
        "rems_patient_id rems_enrolled_on is_active created_at updated_at version"
    ),
    TreatmentCourse: (
        "id patient_id kind service_type planned_sessions started_on status notes "
        "created_at updated_at"
    ),
    Session: (
        "id service_type route location_id room_id starts_at ends_at lead_guide_id co_guide_id "
        "clinician_id status phase started_at completed_at cancel_reason cancelled_at notes "
        "booked_by_id created_at updated_at"
    ),
    Participant: (
        "id session_id patient_id course_id attendance checked_in_at intention grounding_done "
        "breathwork_done set_and_setting_done ready_to_leave_at discharged_at discharged_by_id "
        "transport_arrangement created_at updated_at"
    ),
    PhaseTransition: "session_id from_phase to_phase actor_id at created_at updated_at",
    VitalSign: (
        "id participant_id recorded_at recorded_by_id phase systolic diastolic heart_rate spo2 "
        "respiratory_rate sedation dissociation note flagged flag_reasons created_at updated_at"
    ),
    DoseAdministration: (
        "participant_id drug route dose_mg weight_kg device_number infusion_minutes lot_number "
        "administered_at administered_by_id wasted_mg witness_id note created_at updated_at"
    ),
    DoseDecision: (
        "participant_id vital_sign_id decided_by_id decided_at reason created_at updated_at"
    ),
    IntegrationNote: "id participant_id author_id written_at activity text created_at updated_at",
    NoteAddendum: (
        "integration_note_id vital_sign_id author_id written_at text created_at updated_at"
    ),
    AdverseEvent: (
        "participant_id occurred_at kind severity serious description action_taken "
        "recorded_by_id created_at updated_at"
    ),
    RemsMonitoringForm: (
        "participant_id first_treatment benzodiazepines non_benzo_sedative_hypnotics "
        "psychostimulants maois sedation dissociation respiratory_depression "
        "vitals_acceptable_before_dosing vitals_acceptable_before_completion "
        "serious_adverse_events submitted_at submitted_by_id created_at updated_at"
    ),
    Assessment: (
        "patient_id course_id scale administered_at items total safety_alert recorded_by_id "
        "created_at updated_at"
    ),
}
COLUMNS = {model: tuple(cols.split()) for model, cols in COLUMNS.items()}  # type: ignore[misc]
BULK_MODELS = tuple(COLUMNS)


def _minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class Command(BaseCommand):
    help = "Fill the database with years of generated clinic history (benchmark dataset)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=20000)
        parser.add_argument("--sessions", type=int, default=200000)
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same data.")
        parser.add_argument(
            "--now",
            help="Reference time (ISO 8601) instead of the clock, for reproducible datasets.",
        )
        parser.add_argument(
            "--chunk", type=int, default=2000, help="Sessions written per transaction."
        )
        parser.add_argument(
            "--skip-if-seeded",
            action="store_true",
            help="Exit quietly when bench data is already present.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        if options["patients"] < 1 or options["sessions"] < 0:
            raise CommandError("--patients must be at least 1 and --sessions at least 0.")
        if User.objects.filter(username__startswith="bench_").exists():
            if options["skip_if_seeded"]:
                self.stdout.write("seed_bulk: bench data already present; nothing to do.")
                return
            raise CommandError(ALREADY_SEEDED)
        now = timezone.now()
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError("--now must be an ISO 8601 date and time.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        started = time.monotonic()
        generator = _Generator(
            patients=options["patients"],
            sessions=options["sessions"],
            seed=options["seed"],
            now=now.astimezone(UTC),
            chunk=options["chunk"],
            progress=not options["no_progress"],
        )
        counts = generator.run()
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"seed_bulk: {summary} in {elapsed:.0f} s ({generator.span}).")
        )
        if counts["sessions"] < options["sessions"]:  # verbose_name_plural of Session
            self.stdout.write(
                self.style.WARNING(
                    f"seed_bulk: {options['sessions'] - counts['sessions']:,} slots stayed empty "
                    "for want of patients; pass more --patients for this many sessions."
                )
            )


class _Generator:
    def __init__(
        self, *, patients: int, sessions: int, seed: int, now: datetime, chunk: int, progress: bool
    ) -> None:
        self.n_patients, self.n_sessions = patients, sessions
        self.rng = random.Random(seed)
        self.now = now
        self.chunk = max(chunk, 1)
        self.progress = progress
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.writer = _Writer()
        self.rows: dict[type[Model], list[tuple]] = defaultdict(list)
        self.next_id: dict[type[Model], int] = {}
        self.counts: dict[type[Model], int] = defaultdict(int)
        self.courses: list[_Course] = []
        self.device_mg = clinic_rule("SPRAVATO_DEVICE_MG")
        self.older_age = clinic_rule("SPRAVATO_OLDER_ADULT_AGE")
        self.span = ""

    # --- ids and buffers -----------------------------------------------------------------
    def _new_id(self, model: type[Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _flush(self) -> None:
        with transaction.atomic():
            for model in BULK_MODELS:
                rows = self.rows.pop(model, None)
                if rows:
                    self.writer.insert(model, COLUMNS[model], rows)
                    self.counts[model] += len(rows)

    # --- the run -----------------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        with connection.cursor() as cursor:
            for model in (
                Patient,
                TreatmentCourse,
                Session,
                Participant,
                VitalSign,
                IntegrationNote,
            ):
                table = model._meta.db_table
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
                self.next_id[model] = cursor.fetchone()[0] + 1
        try:
            with transaction.atomic():
                self._make_facilities_and_staff()
            self._plan_calendar()
            self._plan_patients()
            plans = self._plan_sessions()
            self._write_patients()
            self._flush()
            self._emit_all(plans)
            self._finish_courses()
        finally:
            self._reset_sequences()
        counts = {
            "locations": len(self.locations),
            "rooms": sum(len(rooms) for rooms in self.rooms_by_location),
            "staff": len(self.staff_ids),
        }
        counts.update(
            {str(model._meta.verbose_name_plural): self.counts[model] for model in BULK_MODELS}
        )
        return counts

    def _reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(BULK_MODELS)):
                cursor.execute(sql)

    # --- facilities and staff ----------------------------------------------------------------
    def _make_facilities_and_staff(self) -> None:
        password = make_password(os.environ.get("BENCH_PASSWORD") or BENCH_PASSWORD_DEFAULT)
        rng = self.rng
        self.locations: list[Location] = []
        self.rooms_by_location: list[list[tuple[int, int, str]]] = []  # (room id, capacity, kind)
        self.guides: list[list[int]] = []
        self.clinicians: list[list[int]] = []
        self.front_desk: list[list[int]] = []
        self.staff_ids: list[int] = []
        counters: dict[str, int] = defaultdict(int)
        groups = {g.name: g.pk for g in Group.objects.filter(name__in=GROUP_NAMES.values())}
        if len(groups) != len(GROUP_NAMES):
            raise CommandError("The role groups are missing: run `manage.py migrate` first.")
        role_rows, location_rows = [], []

        def staff(role: Role, locations: list[Location], credential: str = "") -> int:
            # One user at a time is too slow for tests on SQLite; the role is a group membership
            # row, written the way accounts.services.user_set_roles leaves it.
            counters[role] += 1
            user = User(
                username=f"bench_{role.value}_{counters[role]}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"bench_{role.value}_{counters[role]}@clinic.example.org",
                password=password,
                credential=credential,
                is_staff=role == Role.ADMINISTRATOR,  # the admin site manages rooms and staff
            )
            user.save()
            role_rows.append(
                User.groups.through(user_id=user.pk, group_id=groups[GROUP_NAMES[role]])
            )
            location_rows.extend(
                User.locations.through(user_id=user.pk, location_id=location.pk)
                for location in locations
            )
            self.staff_ids.append(user.pk)
            return user.pk

        for name, address, group_capacity in LOCATIONS:
            location = Location.objects.create(
                name=name, address=address, phone="555-0100", opens_at="07:00", closes_at="19:00"
            )
            self.locations.append(location)
            rooms = []
            for i, room_name in enumerate(ROOM_NAMES):
                kind = (
                    "single" if i < SINGLE_ROOMS else ("couples" if i == SINGLE_ROOMS else "group")
                )
                capacity = {"single": 1, "couples": 2, "group": group_capacity}[kind]
                room = Room.objects.create(location=location, name=room_name, capacity=capacity)
                rooms.append((room.pk, capacity, kind))
            self.rooms_by_location.append(rooms)
            self.guides.append(
                [
                    staff(Role.GUIDE, [location], rng.choice(["therapist", ""]))
                    for _ in range(GUIDES_PER_LOCATION)
                ]
            )
            self.clinicians.append(
                [
                    staff(Role.CLINICIAN, [location], rng.choice(["rn", "rn", "np", "md", "pa"]))
                    for _ in range(CLINICIANS_PER_LOCATION)
                ]
            )
            self.front_desk.append(
                [staff(Role.FRONT_DESK, [location]) for _ in range(FRONT_DESK_PER_LOCATION)]
            )
        for _ in range(ADMINISTRATORS):
            staff(Role.ADMINISTRATOR, self.locations)
        User.groups.through.objects.bulk_create(role_rows)
        User.locations.through.objects.bulk_create(location_rows)

    # --- calendar ----------------------------------------------------------------------------
    def _plan_calendar(self) -> None:
        """Choose exactly `sessions` room slots over enough days, fewer in the coming weeks."""
        rng = self.rng
        rooms = [(loc, room) for loc, rooms in enumerate(self.rooms_by_location) for room in rooms]
        per_day = len(rooms) * len(SLOTS)
        # Enough days for the rooms, and for the patients to come at most every few days.
        days = max(
            math.ceil(self.n_sessions / (per_day * FILL)),
            math.ceil(self.n_sessions * 20 / self.n_patients),
            2,
        )
        future = max(1, min(28, days // 12))
        self.today = self.now.astimezone(self.tz).date()
        self.last_day = self.today.toordinal() + future
        self.first_day = self.last_day - days + 1
        self.span = (
            f"{date.fromordinal(self.first_day)} to {date.fromordinal(self.last_day)}, {days} days"
        )
        today = self.today.toordinal()
        keyed = []
        for day in range(self.first_day, self.last_day + 1):
            # Bookings thin out towards the end of the horizon (Efraimidis-Spirakis weights).
            weight = 1.0 if day <= today else max(0.15, 1 - 0.85 * (day - today) / future)
            exponent = 1.0 / weight
            for slot in range(len(SLOTS)):
                for index in range(len(rooms)):
                    keyed.append((rng.random() ** exponent, day, slot, index))
        chosen = heapq.nlargest(self.n_sessions, keyed)
        chosen.sort(key=lambda k: (k[1], k[2], k[3]))
        self.slots: list[tuple[int, int, int, list[tuple[int, int, str]]]] = []
        for _, day, slot, index in chosen:
            loc, room = rooms[index]
            if self.slots and self.slots[-1][:3] == (day, slot, loc):
                self.slots[-1][3].append(room)
            else:
                self.slots.append((day, slot, loc, [room]))
        # The slot whose sessions are in progress now: the one under way, else the latest begun.
        self.live = None
        for day in range(today, self.first_day - 1, -1):
            for slot in range(len(SLOTS) - 1, -1, -1):
                if self._slot_start(day, slot) <= self.now:
                    self.live = (day, slot)
                    break
            if self.live:
                break

    def _slot_start(self, day: int, slot: int) -> datetime:
        hour, minute = SLOTS[slot]
        local = datetime.combine(date.fromordinal(day), dtime(hour, minute), tzinfo=self.tz)
        return local.astimezone(UTC)

    # --- patients ----------------------------------------------------------------------------
    def _plan_patients(self) -> None:
        """Who the patients are; their dates follow from the schedule (see _write_patients)."""
        rng = self.rng
        weights = [sum(c for _, c, _ in rooms) + 4 for rooms in self.rooms_by_location]
        span = self.last_day - self.first_day
        self.p_id: list[int] = []
        self.p_loc: list[int] = []
        self.p_age: list[int] = []
        self.p_weight: list[float] = []
        self.p_first: list[str] = []
        self.p_last_used: list[int] = []
        self.p_spravato: list[bool] = []
        self.p_first_day: list[int | None] = []  # first booked session
        self.p_first_spravato: list[int | None] = []
        self.p_attrs: list[tuple] = []
        # Idle patients per location and pool, keyed by the day they would like to start.
        self.idle: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
        for index in range(self.n_patients):
            self.p_id.append(self._new_id(Patient))
            loc = rng.choices(range(len(self.locations)), weights)[0]
            age = min(85, max(19, int(rng.gauss(44, 13))))
            if rng.random() < 0.08:
                age = rng.randint(65, 82)
            hypersensitive = rng.random() < 0.01
            vascular = (not hypersensitive) and rng.random() < 0.015
            spravato = not (hypersensitive or vascular) and rng.random() < 0.3
            self.p_loc.append(loc)
            self.p_age.append(age)
            self.p_weight.append(round(min(160.0, max(45.0, rng.gauss(78, 16))), 1))
            self.p_first.append(rng.choice(FIRST_NAMES))
            self.p_last_used.append(0)
            self.p_spravato.append(spravato)
            self.p_first_day.append(None)
            self.p_first_spravato.append(None)
            self.p_attrs.append((rng.choice(LAST_NAMES), hypersensitive, vascular))
            if not hypersensitive:
                # A third is waiting when the history starts; the rest arrive across it.
                wants = self.first_day
                if rng.random() > 0.35:
                    wants += int(rng.random() * span * 0.9)
                heapq.heappush(self.idle[(loc, self._pool(index))], (wants, index, index))

    def _write_patients(self) -> None:
        rng = self.rng
        rows = self.rows[Patient]
        span = self.last_day - self.first_day
        for index, pid in enumerate(self.p_id):
            loc = self.p_loc[index]
            last_name, hypersensitive, vascular = self.p_attrs[index]
            first_name = self.p_first[index]
            first_day = self.p_first_day[index]
            if first_day is None:  # registered, not treated (yet)
                first_day = self.first_day + rng.randint(0, max(span, 1))
            registered = date.fromordinal(first_day - rng.randint(3, 30))
            spravato_day = self.p_first_spravato[index]
            rems_id = f"REMS-{index + 1:08d}" if self.p_spravato[index] else ""
            rems_on = None
            if rems_id:
                rems_on = date.fromordinal(min(spravato_day or first_day, first_day) - 2)
            age = self.p_age[index]
            dob = date(registered.year - age, rng.randint(1, 12), rng.randint(1, 28))
            created = datetime.combine(registered, dtime(13, 30), tzinfo=UTC) + _minutes(
                rng.randint(0, 480)
            )
            guide = rng.choice(self.guides[loc]) if rng.random() < 0.4 else None
            rows.append(
                (
                    pid,
                    f"BM{index + 1:07d}",
                    first_name,
                    last_name,
                    dob,
                    rng.choice("FFFMMX"),
                    self.locations[loc].pk,
                    f"{first_name}.{last_name}{index}@example.org".lower(),
                    f"555-01{index % 100:02d}",
                    f"{rng.randint(1, 999)} {rng.choice(LAST_NAMES)} Street",
                    f"{rng.choice(FIRST_NAMES)} {last_name}",
                    "555-0199",
                    rng.choice(["Partner", "Parent", "Sibling", "Friend"]),
                    "Arteriovenous malformation" if vascular else "",
                    rng.choice(["", "", "", "Penicillin", "Latex"]),
                    rng.choice(["Sertraline 100 mg", "Bupropion 300 mg", "", "Lamotrigine"]),
                    "Two failed SSRI trials." if rng.random() < 0.6 else "",
                    registered,
                    False,
                    vascular,
                    False,
                    hypersensitive,
                    guide,
                    rems_id,
                    rems_on,
                    True,
                    created,
                    created,
                    1,
                )
            )

    def _take_idle(self, loc: int, pool: str, day: int) -> int | None:
        """The idle patient whose turn comes first (early if need be, never twice a day)."""
        heap = self.idle[(loc, pool)]
        skipped = []
        found = None
        while heap:
            entry = heapq.heappop(heap)
            patient = entry[2]
            if self.p_last_used[patient] < day:
                found = patient
                break
            skipped.append(entry)
        for entry in skipped:
            heapq.heappush(heap, entry)
        if found is None:
            found = self._take_from_course(loc, pool, day)
        return found

    def _take_from_course(self, loc: int, pool: str, day: int) -> int | None:
        """Nobody idle: a patient in another course stops it and switches (small datasets)."""
        for (course_loc, _), heap in self.ready.items():
            if course_loc != loc:
                continue
            for _, _, course in heap:
                patient = course.patients[0]
                if (
                    course.status == "active"
                    and len(course.patients) == 1
                    and self._pool(patient) == pool
                    and self.p_last_used[patient] < day
                ):
                    course.status = "stopped"  # dropped from its heap when next popped
                    return patient
        return None

    # --- courses -------------------------------------------------------------------------------
    def _start_course(self, loc: int, service_type: str, day: int) -> _Course | None:
        rng = self.rng
        size = 2 if service_type == "couples" else 1
        pools = ["spravato"] if service_type == "spravato" else ["ketamine", "spravato"]
        patients: list[int] = []
        for _ in range(size):
            for pool in pools:
                patient = self._take_idle(loc, pool, day)
                if patient is not None:
                    patients.append(patient)
                    break
        if len(patients) < size:
            for patient in patients:  # not enough for a couple: put the one back
                heapq.heappush(self.idle[(loc, self._pool(patient))], (day, patient, patient))
            return None
        repeat = rng.random() < 0.3
        if service_type == "spravato":
            kind, planned, gap = (
                ("maintenance", rng.randint(4, 8), (7, 14)) if repeat else ("induction", 8, (3, 4))
            )
        elif service_type == "group":
            kind, planned, gap = "induction", rng.randint(6, 8), (7, 7)
        elif service_type == "couples":
            kind, planned, gap = "induction", rng.randint(3, 6), (7, 14)
        elif repeat:
            kind, planned, gap = "booster", rng.randint(1, 3), (7, 21)
        else:
            kind, planned, gap = "induction", 6, (2, 4)
        stop_after = rng.randint(1, planned - 1) if planned > 1 and rng.random() < 0.06 else None
        ids = [self._new_id(TreatmentCourse) for _ in patients]
        course = _Course(
            id=ids[0],
            patients=patients,
            ids=ids,
            service_type=service_type,
            kind=kind,
            planned=planned,
            gap=gap,
            stop_after=stop_after,
            started_on=date.fromordinal(day),
            next_day=day,
            drop=rng.uniform(0.5, 0.85) if rng.random() < 0.55 else rng.uniform(-0.05, 0.45),
        )
        for patient, course_id in zip(patients, ids, strict=True):
            baseline = {
                "phq9": min(27, max(8, int(rng.gauss(17, 4)))),
                "gad7": min(21, max(4, int(rng.gauss(12, 4)))),
                "madrs": min(60, max(18, int(rng.gauss(32, 6)))),
            }
            course.baselines.append(baseline)
            booked = datetime.combine(course.started_on, dtime(12), tzinfo=UTC) - _minutes(
                rng.randint(2, 20) * 1440
            )
            self.rows[TreatmentCourse].append(
                (
                    course_id,
                    self.p_id[patient],
                    kind,
                    service_type,
                    planned,
                    course.started_on,
                    "active",
                    "",
                    booked,
                    booked,
                )
            )
        self.courses.append(course)
        return course

    def _pool(self, patient: int) -> str:
        return "spravato" if self.p_spravato[patient] else "ketamine"

    def _units(self, loc: int, service_type: str, count: int, day: int) -> list[_Course]:
        """`count` courses due for a session today: the longest-waiting first, new ones after."""
        heap = self.ready[(loc, service_type)]
        units: list[_Course] = []
        while heap and len(units) < count and heap[0][0] <= day:
            course = heapq.heappop(heap)[2]
            if course.status == "active":
                units.append(course)
        while len(units) < count:
            course = self._start_course(loc, service_type, day)
            if course is None:
                break
            units.append(course)
        return units

    def _release(self, course: _Course, day: int, attended: bool) -> None:
        """After a session: the course's next due day, or the patient's rest before another."""
        rng = self.rng
        if attended:
            course.done += 1
        finished = course.done >= course.planned
        stopped = course.stop_after is not None and course.done >= course.stop_after
        if finished or stopped:
            course.status = "completed" if finished else "stopped"
            for patient in course.patients:
                rest = day + rng.randint(30, 240)
                heapq.heappush(
                    self.idle[(self.p_loc[patient], self._pool(patient))], (rest, patient, patient)
                )
            return
        low, high = course.gap if attended else (1, 3)
        course.next_day = day + rng.randint(low, high)
        heapq.heappush(
            self.ready[(self.p_loc[course.patients[0]], course.service_type)],
            (course.next_day, course.id, course),
        )

    # --- the schedule --------------------------------------------------------------------------
    def _plan_sessions(self) -> list[_Plan]:
        """Who comes to which slot, and how it went: cheap, so done first for every session."""
        rng = self.rng
        self.ready: dict[tuple[int, str], list] = defaultdict(list)
        plans: list[_Plan] = []
        for day, slot, loc, rooms in self.slots:
            start = self._slot_start(day, slot)
            leads = rng.sample(self.guides[loc], len(self.guides[loc]))
            clinicians = rng.sample(self.clinicians[loc], len(self.clinicians[loc]))
            for room_id, capacity, kind in rooms:
                mix = ROOM_MIX[kind]
                service_type = rng.choices(list(mix), list(mix.values()))[0]
                units = self._fill(loc, service_type, capacity, day)
                if not units and service_type in ("couples", "group"):
                    service_type = rng.choice(["guided", "semi_guided", "iv_infusion"])
                    units = self._fill(loc, service_type, capacity, day)
                if not units:
                    continue
                lead = leads.pop()
                co_guide = leads.pop() if service_type == "group" and leads else None
                plans.append(
                    self._plan_session(
                        day=day,
                        slot=slot,
                        loc=loc,
                        room_id=room_id,
                        start=start,
                        service_type=service_type,
                        units=units,
                        lead=lead,
                        co_guide=co_guide,
                        clinician=clinicians.pop(),
                    )
                )
        return plans

    def _emit_all(self, plans: list[_Plan]) -> None:
        bar = tqdm(
            total=len(plans),
            unit="session",
            desc="seed_bulk: writing",
            disable=not self.progress,
            file=sys.stderr,
            smoothing=0.05,
            mininterval=0.5,
        )
        pending = 0
        for plan in plans:
            self._emit_session(plan)
            pending += 1
            if pending >= self.chunk:
                self._flush()
                bar.update(pending)
                pending = 0
        self._flush()
        bar.update(pending)
        bar.close()

    def _fill(self, loc: int, service_type: str, capacity: int, day: int) -> list[_Course]:
        if service_type == "group":
            top = min(capacity, SERVICE_RULES["group"].max_patients)
            size = max(2, top - self.rng.choice((0, 0, 1, 1, 2, 3)))
            units = self._units(loc, service_type, size, day)
            if len(units) < 2:
                for course in units:
                    self._requeue(course, day)
                return []
            return units
        units = self._units(loc, service_type, 1, day)
        return units

    def _requeue(self, course: _Course, day: int) -> None:
        heapq.heappush(
            self.ready[(self.p_loc[course.patients[0]], course.service_type)],
            (day + 1, course.id, course),
        )

    def _plan_session(
        self,
        *,
        day: int,
        slot: int,
        loc: int,
        room_id: int,
        start: datetime,
        service_type: str,
        units: list[_Course],
        lead: int,
        co_guide: int | None,
        clinician: int,
    ) -> _Plan:
        rng = self.rng
        rule = SERVICE_RULES[service_type]
        duration = rule.default_minutes
        starts = start + _minutes(rng.randrange(0, SLOT_MINUTES - duration + 1, 15))
        ends = starts + _minutes(duration)
        route = rule.routes[0].value
        if service_type == "semi_guided" and rng.random() < 0.3:
            route = "iv"
        status = "scheduled"
        cut = None  # clinical records exist up to this time
        if (day, slot) == self.live and starts <= self.now:
            # Under way now; outside opening hours, the latest slot is still being closed.
            status = "in_progress"
            cut = self.now if self.now < ends else starts + _minutes(rng.randint(20, duration - 40))
        elif ends <= self.now:
            roll = rng.random()
            if roll < 0.08:
                status = "cancelled"
            elif roll < 0.08 + (0.02 if len(units) > 1 else 0.045):
                status = "no_show"
            else:
                status, cut = "completed", self.now
        elif rng.random() < 0.03:
            status = "cancelled"
        members = []
        for course in units:
            # A group member may not turn up to a session that goes ahead.
            attends = not (status == "completed" and len(units) > 2 and rng.random() < 0.04)
            attended = attends and status in ("completed", "in_progress", "scheduled")
            for member, patient in enumerate(course.patients):
                members.append((course, member, patient, attends, course.done + 1))
                self.p_last_used[patient] = day
                if self.p_first_day[patient] is None:
                    self.p_first_day[patient] = day
                if service_type == "spravato" and self.p_first_spravato[patient] is None:
                    self.p_first_spravato[patient] = day
            # A booked session counts as attended: the course's next one is booked after it.
            self._release(course, day, attended)
        if cut is not None and not any(m[3] for m in members):
            members[0] = (*members[0][:3], True, members[0][4])
        return _Plan(
            loc=loc,
            room_id=room_id,
            service_type=service_type,
            route=route,
            starts=starts,
            ends=ends,
            status=status,
            cut=cut,
            lead=lead,
            co_guide=co_guide,
            clinician=clinician,
            members=members,
        )

    def _emit_session(self, plan: _Plan) -> None:
        rng = self.rng
        service_type, route, status, cut = plan.service_type, plan.route, plan.status, plan.cut
        starts, ends, loc = plan.starts, plan.ends, plan.loc
        lead, clinician = plan.lead, plan.clinician
        booked = starts - _minutes(rng.randint(1, 40) * 1440 + rng.randint(0, 600))
        booked_by = rng.choice(self.front_desk[loc])
        phase = "preparation"
        started_at = completed_at = cancelled_at = None
        cancel_reason = ""
        if status == "cancelled":
            cancel_reason = rng.choice(CANCEL_REASONS)
            cancelled_at = min(starts - _minutes(rng.randint(30, 4000)), self.now)
            cancelled_at = max(cancelled_at, booked + _minutes(5))
        session_id = self._new_id(Session)

        timeline = None
        if cut is not None:
            prep, med, integ = PHASE_MINUTES[service_type]
            started_at = min(starts + _minutes(rng.randint(0, 5)), cut)
            med_at = started_at + _minutes(prep + rng.randint(0, 3))
            integ_at = med_at + _minutes(med + rng.randint(0, 3))
            # Discharged before the booked end, so a completed session holds no future rows.
            done_at = min(integ_at + _minutes(integ + rng.randint(-3, 3)), ends - _minutes(1))
            timeline = (started_at, med_at, integ_at, done_at)
            moments = [
                ("", "preparation", started_at, lead),
                ("preparation", "medication", med_at, clinician),
                ("medication", "integration", integ_at, lead),
                ("integration", "completed", done_at, clinician),
            ]
            for from_phase, to_phase, at, actor in moments:
                if at <= cut:
                    phase = to_phase
                    self.rows[PhaseTransition].append(
                        (session_id, from_phase, to_phase, actor, at, at, at)
                    )
            if phase == "completed":
                completed_at = done_at
        if status == "completed" and phase != "completed":
            raise AssertionError("a completed session's timeline must reach completion")
        updated = completed_at or cancelled_at or (started_at if started_at else booked)
        self.rows[Session].append(
            (
                session_id,
                service_type,
                route,
                self.locations[loc].pk,
                plan.room_id,
                starts,
                ends,
                lead,
                plan.co_guide,
                clinician,
                status,
                phase,
                started_at,
                completed_at,
                cancel_reason,
                cancelled_at,
                "",
                booked_by,
                booked,
                updated,
            )
        )

        for course, member, patient, attends, session_no in plan.members:
            self._participant(
                session_id=session_id,
                service_type=service_type,
                route=route,
                status=status,
                course=course,
                member=member,
                patient=patient,
                attends=attends,
                session_no=session_no,
                timeline=timeline if attends else None,
                cut=cut,
                starts=starts,
                booked=booked,
                lead=lead,
                clinician=clinician,
                loc=loc,
            )

    def _lot(self, drug: str, loc: int, day: int) -> str:
        month = date.fromordinal(day)
        prefix = "KET" if drug == "ketamine" else "SPR"
        return f"{prefix}-{month:%y%m}-{chr(65 + loc)}{(day // 9) % 7 + 1}"

    def _participant(
        self,
        *,
        session_id: int,
        service_type: str,
        route: str,
        status: str,
        course: _Course,
        member: int,
        patient: int,
        attends: bool,
        session_no: int,
        timeline: tuple[datetime, datetime, datetime, datetime] | None,
        cut: datetime | None,
        starts: datetime,
        booked: datetime,
        lead: int,
        clinician: int,
        loc: int,
    ) -> None:
        rng = self.rng
        rows = self.rows
        participant_id = self._new_id(Participant)
        course_id = course.ids[member]
        attendance = "expected"
        if status == "no_show" or (status == "completed" and not attends):
            attendance = "no_show"
        checked_in_at = ready_at = discharged_at = discharged_by = None
        intention, transport = "", ""
        checklist = False
        if timeline is not None:
            _, med_at, _, done_at = timeline
            attendance = "checked_in"
            checked_in_at = starts - _minutes(rng.randint(5, 20))
            intention = rng.choice(INTENTIONS)
            checklist = med_at <= cut
            ready_at = done_at - _minutes(rng.randint(2, 8))
            if done_at <= cut:
                discharged_at, discharged_by = done_at, clinician
            else:
                ready_at = None
            transport = rng.choice(TRANSPORT)
        rows[Participant].append(
            (
                participant_id,
                session_id,
                self.p_id[patient],
                course_id,
                attendance,
                checked_in_at,
                intention,
                checklist,
                checklist,
                checklist,
                ready_at,
                discharged_at,
                discharged_by,
                transport,
                booked,
                discharged_at or checked_in_at or booked,
            )
        )
        if session_no == 1 and status not in ("cancelled", "no_show") and attends:
            self._assessments(course, member, patient, starts - _minutes(30), lead, 0.0)
        if timeline is None:
            return
        done_at = timeline[3]
        if session_no == 3:
            self._assessments(course, member, patient, done_at, lead, 0.5)
        elif session_no == course.planned and done_at <= cut:
            self._assessments(course, member, patient, done_at + _minutes(1440), lead, 1.0)
        dose_at = timeline[1] + _minutes(rng.randint(1, 4))
        self._clinical(
            participant_id=participant_id,
            service_type=service_type,
            route=route,
            patient=patient,
            timeline=timeline,
            dose_at=dose_at,
            cut=cut,
            lead=lead,
            clinician=clinician,
            loc=loc,
            first_treatment=session_no == 1 and course.kind == "induction",
        )

    def _clinical(
        self,
        *,
        participant_id: int,
        service_type: str,
        route: str,
        patient: int,
        timeline: tuple[datetime, datetime, datetime, datetime],
        dose_at: datetime,
        cut: datetime,
        lead: int,
        clinician: int,
        loc: int,
        first_treatment: bool,
    ) -> None:
        rng = self.rng
        rows = self.rows
        started_at, med_at, integ_at, done_at = timeline
        spravato = service_type == "spravato"
        day = dose_at.toordinal()
        # --- vitals: arrival, pre-dose, then the cadence of the route until discharge ---------
        base_sys = rng.gauss(118, 8)
        base_dia = base_sys * rng.uniform(0.58, 0.68)
        base_hr = rng.gauss(74, 9)
        elevated_pre = rng.random() < 0.04
        if spravato:
            offsets = [15, 40, 60, 80, 100, 119]
        elif route == "iv":
            offsets = [10, 20, 30, 40, 55, 70, 85]
        else:
            offsets = [15, 30, 45, 60, 75, 90, 105]
        schedule = [
            (started_at + _minutes(6), "preparation", None),
            (med_at - _minutes(rng.randint(2, 6)), "preparation", None),
        ]
        for minutes in offsets:
            at = dose_at + _minutes(minutes + rng.randint(0, 2))
            if at < done_at - _minutes(10):
                schedule.append((at, "medication" if at < integ_at else "integration", minutes))
        before_discharge = done_at - _minutes(rng.randint(3, 8))
        schedule.append(
            (
                before_discharge,
                "integration" if before_discharge >= integ_at else "medication",
                None,
            )
        )
        pre_dose_vital = None
        pre_dose_flagged = False
        vitals = rows[VitalSign]
        for index, (at, phase, minutes) in enumerate(schedule):
            if at > cut:
                break
            lift = 0.0
            if minutes is not None and minutes <= 45:
                lift = 14 - abs(minutes - 25) * 0.3  # ketamine's transient BP rise
            systolic = int(base_sys + lift + rng.gauss(0, 5))
            if index == 1 and elevated_pre:
                systolic = rng.randint(142, 166)
            elif rng.random() < 0.008:
                systolic = rng.randint(180, 196)
            systolic = min(240, max(85, systolic))
            diastolic = min(systolic - 15, max(45, int(base_dia + lift * 0.5 + rng.gauss(0, 4))))
            heart_rate = min(140, max(45, int(base_hr + lift * 0.4 + rng.gauss(0, 4))))
            if rng.random() < 0.004:
                heart_rate = rng.randint(112, 126)
            spo2 = 89 + rng.randint(0, 2) if rng.random() < 0.003 else rng.randint(95, 100)
            resp = rng.randint(12, 18)
            sedation = dissociation = ""
            if phase == "medication":
                sedation = rng.choice(("none", "none", "mild", "mild", "moderate"))
                dissociation = rng.choice(("mild", "moderate", "moderate", "severe", "none"))
            pre = phase == "preparation"
            flags: list[str] = []
            if (
                (pre and (systolic > 140 or diastolic > 90))
                or systolic >= 180
                or diastolic >= 110
                or heart_rate > 110
                or spo2 < 92
            ):
                flags = vitals_flags(
                    {
                        "systolic": systolic,
                        "diastolic": diastolic,
                        "heart_rate": heart_rate,
                        "spo2": spo2,
                        "respiratory_rate": resp,
                    },
                    pre_dose=pre,
                )
            vital_id = self._new_id(VitalSign)
            vitals.append(
                (
                    vital_id,
                    participant_id,
                    at,
                    clinician,
                    phase,
                    systolic,
                    diastolic,
                    heart_rate,
                    spo2,
                    resp,
                    sedation,
                    dissociation,
                    "Resting comfortably." if rng.random() < 0.05 else "",
                    bool(flags),
                    "; ".join(flags)[:500],
                    at,
                    at,
                )
            )
            if index == 1:
                pre_dose_vital, pre_dose_flagged = (vital_id, at), bool(flags)
            if rng.random() < 0.001:
                later = min(at + _minutes(rng.randint(10, 600)), self.now)
                rows[NoteAddendum].append(
                    (
                        None,
                        vital_id,
                        clinician,
                        later,
                        "Cuff re-sized; reading confirmed.",
                        later,
                        later,
                    )
                )
        if pre_dose_vital and pre_dose_flagged and dose_at <= cut:
            vital_id, at = pre_dose_vital
            decided = at + _minutes(2)
            rows[DoseDecision].append(
                (
                    participant_id,
                    vital_id,
                    clinician,
                    decided,
                    "Asymptomatic, repeat reading stable; benefits outweigh the risk. Proceed.",
                    decided,
                    decided,
                )
            )
        # --- doses ---------------------------------------------------------------------------
        doses = rows[DoseAdministration]
        if dose_at <= cut:
            if spravato:
                devices = 3 if rng.random() < 0.4 else 2
                if first_treatment and self.p_age[patient] >= self.older_age:
                    devices = 1
                lot = self._lot("esketamine", loc, day)
                at = dose_at
                for number in range(1, devices + 1):
                    if at > cut:
                        break
                    doses.append(
                        (
                            participant_id,
                            "esketamine",
                            "intranasal",
                            Decimal(self.device_mg),
                            None,
                            number,
                            None,
                            lot,
                            at,
                            clinician,
                            Decimal(0),
                            None,
                            "",
                            at,
                            at,
                        )
                    )
                    at += _minutes(5 + rng.randint(0, 2))
            else:
                weight = round(self.p_weight[patient] + rng.uniform(-1.5, 1.5), 1)
                if route == "iv":
                    per_kg, infusion = (0.5 if rng.random() < 0.7 else rng.choice((0.4, 0.6))), 40
                else:
                    per_kg, infusion = rng.choice((0.5, 0.6, 0.75, 0.8, 1.0)), None
                mg = Decimal(round(weight * per_kg)).quantize(Decimal("1.00"))
                wasted, witness, note = Decimal(0), None, ""
                if rng.random() < 0.12:
                    wasted = Decimal(rng.choice((5, 10, 15, 20, 25))).quantize(Decimal("1.00"))
                    witness = rng.choice([c for c in self.clinicians[loc] if c != clinician])
                    note = "Remainder of the vial wasted."
                doses.append(
                    (
                        participant_id,
                        "ketamine",
                        route,
                        mg,
                        Decimal(str(weight)),
                        None,
                        infusion,
                        self._lot("ketamine", loc, day),
                        dose_at,
                        clinician,
                        wasted,
                        witness,
                        note,
                        dose_at,
                        dose_at,
                    )
                )
        # --- adverse events, integration notes, REMS form -----------------------------------
        if dose_at <= cut and rng.random() < 0.045:
            kind = rng.choices([k for k, _ in AE_KINDS], [w for _, w in AE_KINDS])[0]
            at = dose_at + _minutes(rng.randint(5, 60))
            if at <= cut:
                serious = rng.random() < 0.02
                rows[AdverseEvent].append(
                    (
                        participant_id,
                        at,
                        kind,
                        "severe" if serious else rng.choice(("mild", "mild", "moderate")),
                        serious,
                        "Felt faint on standing; monitored." if kind == "other" else "",
                        rng.choice(("Monitored, resolved", "Ondansetron 4 mg", "Rested")),
                        clinician,
                        at,
                        at,
                    )
                )
        if done_at <= cut:
            activities = ["talk"] + (["journaling"] if service_type == "guided" else [])
            activities[0] = rng.choice(list(NOTE_TEXTS))
            for activity in activities:
                written = min(done_at + _minutes(rng.randint(5, 240)), self.now)
                note_id = self._new_id(IntegrationNote)
                text = NOTE_TEXTS[activity].format(p=self.p_first[patient])
                rows[IntegrationNote].append(
                    (note_id, participant_id, lead, written, activity, text, written, written)
                )
                if rng.random() < 0.01:
                    later = min(written + _minutes(rng.randint(60, 2880)), self.now)
                    rows[NoteAddendum].append(
                        (
                            note_id,
                            None,
                            lead,
                            later,
                            "Patient called: sleeping better since.",
                            later,
                            later,
                        )
                    )
            if spravato:
                age_days = (self.now - done_at).days
                due = age_days < 7 and rng.random() < 0.5
                if not due and rng.random() < 0.96:
                    delay = rng.randint(0, 5) if rng.random() < 0.96 else rng.randint(8, 12)
                    submitted = min(
                        done_at + _minutes(delay * 1440 + rng.randint(10, 300)), self.now
                    )
                    submitted = max(submitted, done_at)
                    rows[RemsMonitoringForm].append(
                        (
                            participant_id,
                            first_treatment,
                            rng.random() < 0.12,
                            rng.random() < 0.05,
                            rng.random() < 0.04,
                            False,
                            rng.random() < 0.3,
                            rng.random() < 0.7,
                            False,
                            not pre_dose_flagged,
                            True,
                            "",
                            submitted,
                            clinician,
                            submitted,
                            submitted,
                        )
                    )

    def _assessments(
        self, course: _Course, member: int, patient: int, at: datetime, by: int, progress: float
    ) -> None:
        if at > self.now:
            return
        rng = self.rng
        scales = ["phq9", "gad7"] + (["madrs"] if course.service_type == "spravato" else [])
        for scale in scales:
            spec = SCALES[scale]
            baseline = course.baselines[member][scale]
            target = baseline * (1 - course.drop * progress) + rng.gauss(0, 1.2)
            total = min(spec.max_total, max(0, round(target)))
            items = [0] * spec.items
            # Item 9 (self-harm) rarely scores; the rest carry the total.
            fillable = list(range(spec.items - 1 if scale == "phq9" else spec.items))
            if scale == "phq9" and (total > 24 or rng.random() < 0.06 * (1 - progress)):
                fillable.append(spec.items - 1)
            remaining = total
            while remaining:
                slot = rng.choice(fillable)
                if items[slot] < spec.item_max:
                    items[slot] += 1
                    remaining -= 1
                elif all(items[i] >= spec.item_max for i in fillable):
                    fillable = list(range(spec.items))
            self.rows[Assessment].append(
                (
                    self.p_id[patient],
                    course.ids[member],
                    scale,
                    at,
                    items,
                    total,
                    scale == "phq9" and items[-1] > 0,
                    by,
                    at,
                    at,
                )
            )

    def _finish_courses(self) -> None:
        """Courses were written as active; record the ones that completed or stopped."""
        by_status: dict[str, list[int]] = defaultdict(list)
        for course in self.courses:
            if course.status != "active":
                by_status[course.status].extend(course.ids)
        with transaction.atomic():
            for status, ids in by_status.items():
                for start in range(0, len(ids), 900):
                    TreatmentCourse.objects.filter(pk__in=ids[start : start + 900]).update(
                        status=status
                    )
