"""Load generated demo data: two locations, a demo user per role, ~60 patients, six months of
history of every service type, this week's bookings and a few sessions running right now.

Idempotent: a second run changes nothing but the demo users' passwords (reset to the demo one).
Every name is generated; no real person is represented.

History is written as plain rows (the phase services act at "now"); today's and future
sessions go through the same services the staff app uses.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_set_roles
from facilities.models import Location, Room
from patients.models import Assessment, Patient, TreatmentCourse
from patients.scales import SCALES
from sessions_app.models import (
    AdverseEvent,
    DoseAdministration,
    IntegrationNote,
    Participant,
    PhaseTransition,
    RemsMonitoringForm,
    Session,
    VitalSign,
)
from sessions_app.rules import SERVICE_RULES, Drug, Route, ServiceType, vitals_flags
from sessions_app.services import booking, clinical, phases

DEMO_PASSWORD = "ketamine-demo-2026"  # demo only; printed and documented in README.md
DEMO_LOCATIONS = {
    "Evergreen Northside": ("120 Alder Avenue", [("Willow", 1), ("Birch", 1), ("Cedar", 6)]),
    "Evergreen Riverside": ("8 Harbour Road", [("Maple", 1), ("Aspen", 2), ("Spruce", 6)]),
}
DEMO_USERS = [
    # username, first, last, roles, credential
    ("frontdesk", "Fran", "Delgado", [Role.FRONT_DESK], ""),
    ("guide", "Gale", "Okafor", [Role.GUIDE], "therapist"),
    ("clinician", "Cleo", "Nakamura", [Role.CLINICIAN], "rn"),
    ("admin", "Ada", "Lindqvist", [Role.ADMINISTRATOR], ""),
]
EXTRA_STAFF = [
    ("guide2", "Rowan", "Achebe", [Role.GUIDE], "therapist"),
    ("guide3", "Indira", "Solberg", [Role.GUIDE], "therapist"),
    ("guide4", "Mateo", "Varga", [Role.GUIDE], "therapist"),
    ("clinician2", "Noor", "Haddad", [Role.CLINICIAN], "md"),
    ("clinician3", "Tomas", "Ekwueme", [Role.CLINICIAN], "np"),
]
FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Farah",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lena",
    "Milo",
    "Nia",
    "Omar",
    "Pia",
    "Quinn",
    "Rui",
    "Sana",
    "Theo",
    "Uma",
    "Vik",
    "Wren",
    "Yara",
]
LAST = [
    "Rivera",
    "Mbeki",
    "Laurent",
    "Kowalski",
    "Tanaka",
    "Osei",
    "Lindgren",
    "Moreau",
    "Patel",
    "Novak",
    "Alvarez",
    "Fischer",
    "Okonkwo",
    "Haugen",
    "Ivanova",
    "Duarte",
    "Brennan",
]
CANCEL_REASONS = [
    "Patient unwell",
    "Transport fell through",
    "Rescheduled by patient",
    "Guide unavailable",
    "Insurance authorisation pending",
]
NOTE_TEXTS = [
    "Explored the imagery of the session; patient named a sense of distance from old fears.",
    "Journaled about the session; wants to reconnect with a sibling.",
    "Drew the 'open field' image; talked about feeling calmer at work this week.",
    "Body scan and breath practice; patient felt grounded and less tense.",
    "Talked through a difficult memory that surfaced; felt supported and steady at close.",
]
HISTORY_DAYS = 182


class Command(BaseCommand):
    help = (
        "Load generated demo data (idempotent). Demo users share the password printed at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, seed: int, **options):
        self.rng = random.Random(seed)
        with transaction.atomic():
            locations, rooms = self._locations()
            staff = self._staff(locations)
        if Patient.objects.filter(mrn="DEMO0001").exists():
            self.stdout.write("Demo data already loaded; demo users' passwords reset.")
        else:
            with transaction.atomic():
                patients = self._patients(locations, staff)
                self._history(rooms, staff, patients)
            self._running_now(rooms, staff, patients)
            self._this_week(rooms, staff, patients)
        self._print_users()

    # --- reference data -------------------------------------------------------------------

    def _locations(self) -> tuple[list[Location], dict[Location, list[Room]]]:
        locations, rooms = [], {}
        for name, (address, room_specs) in DEMO_LOCATIONS.items():
            location, _ = Location.objects.get_or_create(
                name=name,
                defaults={
                    "address": address,
                    "phone": "555-0100",
                    "opens_at": time(8),
                    "closes_at": time(18),
                },
            )
            locations.append(location)
            rooms[location] = [
                Room.objects.get_or_create(
                    location=location, name=room_name, defaults={"capacity": capacity}
                )[0]
                for room_name, capacity in room_specs
            ]
        return locations, rooms

    def _staff(self, locations: list[Location]) -> dict[str, User]:
        staff = {}
        for username, first, last, roles, credential in DEMO_USERS + EXTRA_STAFF:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "credential": credential,
                    "email": f"{username}@demo.invalid",
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.is_staff = Role.ADMINISTRATOR in roles
            user.save()
            user_set_roles(user=user, roles=roles)
            user.locations.set(locations)
            staff[username] = user
        return staff

    def _patients(self, locations: list[Location], staff: dict[str, User]) -> list[Patient]:
        guides = [staff[u] for u in ("guide", "guide2", "guide3", "guide4")]
        patients = []
        for n in range(1, 61):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            spravato = n % 5 == 0
            patients.append(
                Patient.objects.create(
                    mrn=f"DEMO{n:04d}",
                    first_name=first,
                    last_name=last,
                    date_of_birth=date(
                        1950 + self.rng.randrange(50),
                        self.rng.randrange(1, 13),
                        self.rng.randrange(1, 28),
                    ),
                    sex=self.rng.choice("FMX"),
                    home_location=locations[n % 2],
                    email=f"patient{n}@demo.invalid",
                    phone=f"555-01{n:02d}",
                    emergency_contact_name=f"{self.rng.choice(FIRST)} {last}",
                    emergency_contact_phone=f"555-02{n:02d}",
                    emergency_contact_relationship=self.rng.choice(["Partner", "Parent", "Friend"]),
                    allergies=self.rng.choice(["", "Penicillin", "Latex", ""]),
                    current_medications=self.rng.choice(
                        ["Sertraline 100 mg", "Bupropion 300 mg", "None", "Lamotrigine 200 mg"]
                    ),
                    prior_treatments="Two SSRI trials without response; psychotherapy (CBT).",
                    consent_signed_on=timezone.localdate() - timedelta(days=HISTORY_DAYS + 10),
                    preferred_guide=guides[n % len(guides)],
                    rems_patient_id=f"REMS-DEMO-{n:04d}" if spravato else "",
                    rems_enrolled_on=(
                        timezone.localdate() - timedelta(days=HISTORY_DAYS + 5)
                        if spravato
                        else None
                    ),
                )
            )
        return patients

    # --- six months of history --------------------------------------------------------------

    def _plan_day(self, day: date, rooms, staff, patients: list[Patient]) -> list[dict]:
        """A plausible day: each location has its own guides and clinicians and runs its rooms
        back to back (8:00, 11:15, 14:30), so nobody is ever in two places at once."""
        teams = [
            (["guide", "guide2"], ["clinician", "clinician2"]),
            (["guide3", "guide4"], ["clinician3"]),
        ]
        plan = []
        for (location, location_rooms), (guides, clinicians) in zip(
            rooms.items(), teams, strict=True
        ):
            local = [p for p in patients if p.home_location_id == location.pk]
            for slot, room in enumerate(self.rng.sample(location_rooms, len(location_rooms))):
                if self.rng.random() < 0.3:
                    continue
                service = self._service_for(room)
                rule = SERVICE_RULES[service]
                pool = [p for p in local if p.is_rems_enrolled == rule.is_spravato]
                size = self.rng.randint(rule.min_patients, min(rule.max_patients, room.capacity, 5))
                plan.append(
                    {
                        "service": service,
                        "room": room,
                        "start": timezone.make_aware(
                            datetime.combine(day, time(8)) + timedelta(minutes=195 * slot)
                        ),
                        "guide": staff[self.rng.choice(guides)],
                        "clinician": staff[self.rng.choice(clinicians)],
                        "patients": self.rng.sample(pool, size),
                    }
                )
        return plan

    def _history(self, rooms, staff, patients: list[Patient]) -> None:
        courses: dict[int, TreatmentCourse] = {}
        baseline: dict[int, int] = {}
        today = timezone.localdate()
        for days_ago in range(HISTORY_DAYS, 0, -1):
            day = today - timedelta(days=days_ago)
            if day.weekday() >= 5:
                continue
            for booked in self._plan_day(day, rooms, staff, patients):
                self._past_session(
                    **booked,
                    location=booked["room"].location,
                    courses=courses,
                    baseline=baseline,
                    booked_by=staff["frontdesk"],
                )

    def _service_for(self, room: Room) -> str:
        if room.capacity >= 3:
            return ServiceType.GROUP
        if room.capacity == 2:
            return self.rng.choice([ServiceType.COUPLES, ServiceType.GUIDED])
        return self.rng.choice(
            [
                ServiceType.GUIDED,
                ServiceType.SEMI_GUIDED,
                ServiceType.IV_INFUSION,
                ServiceType.SPRAVATO,
            ]
        )

    def _past_session(
        self,
        *,
        service,
        room,
        location,
        start,
        guide,
        clinician,
        patients,
        courses,
        baseline,
        booked_by,
    ) -> None:
        rule = SERVICE_RULES[service]
        route = self.rng.choice(rule.routes)
        end = start + timedelta(minutes=rule.default_minutes)
        outcome = self.rng.random()
        status = (
            Session.Status.CANCELLED
            if outcome < 0.07
            else Session.Status.NO_SHOW
            if outcome < 0.11
            else Session.Status.COMPLETED
        )
        session = Session.objects.create(
            service_type=service,
            route=route,
            location=location,
            room=room,
            starts_at=start,
            ends_at=end,
            lead_guide=guide,
            clinician=clinician,
            booked_by=booked_by,
            status=status,
            phase=Session.Phase.COMPLETED
            if status == Session.Status.COMPLETED
            else Session.Phase.PREPARATION,
            cancel_reason=self.rng.choice(CANCEL_REASONS)
            if status == Session.Status.CANCELLED
            else "",
            cancelled_at=start - timedelta(days=1) if status == Session.Status.CANCELLED else None,
            started_at=start if status == Session.Status.COMPLETED else None,
            completed_at=end if status == Session.Status.COMPLETED else None,
        )
        for patient in patients:
            course = courses.get(patient.pk)
            if course is None or course.service_type != service:
                course = TreatmentCourse.objects.create(
                    patient=patient,
                    kind=TreatmentCourse.Kind.INDUCTION,
                    service_type=service,
                    planned_sessions=6,
                    started_on=start.date(),
                )
                courses[patient.pk] = course
            attendance = {
                Session.Status.COMPLETED: Participant.Attendance.CHECKED_IN,
                Session.Status.NO_SHOW: Participant.Attendance.NO_SHOW,
            }.get(status, Participant.Attendance.EXPECTED)
            participant = Participant.objects.create(
                session=session,
                patient=patient,
                course=course,
                attendance=attendance,
                checked_in_at=start if status == Session.Status.COMPLETED else None,
                intention="Meet whatever comes with curiosity." if status == "completed" else "",
                grounding_done=status == Session.Status.COMPLETED,
                breathwork_done=status == Session.Status.COMPLETED,
                set_and_setting_done=status == Session.Status.COMPLETED,
                discharged_at=end if status == Session.Status.COMPLETED else None,
                discharged_by=clinician if status == Session.Status.COMPLETED else None,
                ready_to_leave_at=end if status == Session.Status.COMPLETED else None,
                transport_arrangement="Partner driving" if status == "completed" else "",
            )
            if status == Session.Status.COMPLETED:
                self._clinical_history(session, participant, rule, start, guide, clinician)
                self._assessments(patient, course, start, guide, baseline)
        if status == Session.Status.COMPLETED:
            marks = [start, start + timedelta(minutes=30), start + timedelta(minutes=90), end]
            phases_ = [
                Session.Phase.PREPARATION,
                Session.Phase.MEDICATION,
                Session.Phase.INTEGRATION,
                Session.Phase.COMPLETED,
            ]
            previous = ""
            for at, phase in zip(marks, phases_, strict=True):
                PhaseTransition.objects.create(
                    session=session, from_phase=previous, to_phase=phase, actor=clinician, at=at
                )
                previous = phase

    def _clinical_history(self, session, participant, rule, start, guide, clinician) -> None:
        dose_at = start + timedelta(minutes=30)
        VitalSign.objects.create(
            participant=participant,
            recorded_at=start + timedelta(minutes=20),
            recorded_by=clinician,
            phase=Session.Phase.PREPARATION,
            systolic=self.rng.randint(112, 138),
            diastolic=self.rng.randint(70, 88),
            heart_rate=self.rng.randint(60, 88),
            spo2=self.rng.randint(96, 100),
            respiratory_rate=self.rng.randint(12, 18),
        )
        waste_witness = guide if self.rng.random() < 0.2 else None
        self._give_dose(
            participant,
            session,
            clinician,
            dose_at,
            devices=self.rng.choice([2, 3]),
            weight=Decimal(self.rng.randint(55, 105)),
            waste_witness=waste_witness,
        )
        if rule.is_spravato:
            checks = [40, 80, 118]
        elif session.route == Route.IV:
            checks = [10, 20, 30, 40, 55]
        else:
            checks = [15, 30, 45]
        for minutes in checks:
            systolic = self.rng.randint(115, 150)
            if self.rng.random() < 0.05:
                systolic = self.rng.randint(180, 190)
            values = {
                "systolic": systolic,
                "diastolic": min(systolic - 30, self.rng.randint(72, 96)),
                "heart_rate": self.rng.randint(62, 104),
                "spo2": self.rng.randint(93, 100),
            }
            flags = vitals_flags(values, pre_dose=False)
            VitalSign.objects.create(
                participant=participant,
                recorded_at=dose_at + timedelta(minutes=minutes),
                recorded_by=clinician,
                phase=Session.Phase.MEDICATION if minutes < 60 else Session.Phase.INTEGRATION,
                respiratory_rate=self.rng.randint(12, 20),
                sedation=self.rng.choice(["none", "mild"]),
                dissociation=self.rng.choice(["none", "mild", "moderate"]),
                flagged=bool(flags),
                flag_reasons="; ".join(flags),
                **values,
            )
        IntegrationNote.objects.create(
            participant=participant,
            author=guide,
            written_at=dose_at + timedelta(minutes=75),
            activity=self.rng.choice(IntegrationNote.Activity.values),
            text=self.rng.choice(NOTE_TEXTS),
        )
        if self.rng.random() < 0.12:
            AdverseEvent.objects.create(
                participant=participant,
                occurred_at=dose_at + timedelta(minutes=20),
                kind=self.rng.choice(["nausea", "dizziness", "headache", "anxiety"]),
                severity="mild",
                serious=False,
                action_taken="Observed; resolved before discharge.",
                recorded_by=clinician,
            )
        if rule.is_spravato and self.rng.random() < 0.85:
            RemsMonitoringForm.objects.create(
                participant=participant,
                first_treatment=False,
                benzodiazepines=False,
                non_benzo_sedative_hypnotics=False,
                psychostimulants=False,
                maois=False,
                sedation=False,
                dissociation=True,
                respiratory_depression=False,
                vitals_acceptable_before_dosing=True,
                vitals_acceptable_before_completion=True,
                submitted_at=session.ends_at + timedelta(days=self.rng.randint(0, 9)),
                submitted_by=clinician,
            )

    def _assessments(self, patient, course, start, guide, baseline) -> None:
        # Scores fall over a course for most patients, as in the response data of trials.
        done = Assessment.objects.filter(course=course, scale="phq9").count()
        if patient.pk not in baseline:
            baseline[patient.pk] = self.rng.randint(14, 24)
        improving = patient.pk % 4 != 0
        for scale, base in (("phq9", baseline[patient.pk]), ("gad7", baseline[patient.pk] - 4)):
            spec = SCALES[scale]
            target = max(0, base - (done * self.rng.randint(2, 4) if improving else done))
            target = min(target, spec.max_total)
            items = self._items_for(target, spec.items, spec.item_max)
            if scale == "phq9" and self.rng.random() < 0.03:
                items[8] = 1
            Assessment.objects.create(
                patient=patient,
                course=course,
                scale=scale,
                items=items,
                total=sum(items),
                safety_alert=scale == "phq9" and items[8] > 0,
                administered_at=start - timedelta(minutes=10),
                recorded_by=guide,
            )

    def _items_for(self, total: int, count: int, item_max: int) -> list[int]:
        items = [0] * count
        for _ in range(total):
            candidates = [i for i in range(count) if items[i] < item_max and i != 8]
            items[self.rng.choice(candidates)] += 1
        return items

    # --- this week and right now, through the services --------------------------------------

    def _this_week(self, rooms, staff, patients) -> None:
        """The coming week's bookings, made by the front desk through the booking service."""
        today = timezone.localdate()
        for offset in range(8):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for booked in self._plan_day(day, rooms, staff, patients):
                if booked["start"] < timezone.now():
                    continue
                rule = SERVICE_RULES[booked["service"]]
                try:
                    booking.session_book(
                        service_type=booked["service"],
                        patients=booked["patients"],
                        room=booked["room"],
                        starts_at=booked["start"],
                        ends_at=booked["start"] + timedelta(minutes=rule.default_minutes),
                        lead_guide=booked["guide"],
                        clinician=booked["clinician"],
                        actor=staff["frontdesk"],
                        route=self.rng.choice(rule.routes),
                    )
                except ValidationError as error:
                    # Depends on the hour seed_demo runs: a running session may hold the slot.
                    self.stdout.write(f"  skipped a booking: {'; '.join(error.messages)}")

    def _running_now(self, rooms, staff, patients) -> None:
        """Three sessions in progress so the run sheet and live board have something to show."""
        now = timezone.now()
        (north, north_rooms), (river, river_rooms) = list(rooms.items())
        ketamine = [p for p in patients if not p.is_rems_enrolled]
        spravato = [p for p in patients if p.is_rems_enrolled]
        north_patients = [p for p in ketamine if p.home_location_id == north.pk]
        river_spravato = [p for p in spravato if p.home_location_id == river.pk]
        runs = [
            # room, service, patients, guide, clinician, minutes since the dose (None: preparing)
            (
                north_rooms[1],
                ServiceType.IV_INFUSION,
                north_patients[0:1],
                "guide2",
                "clinician",
                25,
            ),
            (river_rooms[0], ServiceType.SPRAVATO, river_spravato[0:1], "guide3", "clinician3", 50),
            (north_rooms[2], ServiceType.GROUP, north_patients[1:4], "guide", "clinician2", None),
        ]
        for room, service, chosen, guide, clinician_name, dosed_ago in runs:
            clinician = staff[clinician_name]
            rule = SERVICE_RULES[service]
            starts_at = now - timedelta(minutes=(dosed_ago or 0) + 30)
            session = booking.session_book(
                service_type=service,
                patients=chosen,
                room=room,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=rule.default_minutes),
                lead_guide=staff[guide],
                clinician=clinician,
                actor=staff["frontdesk"],
                route=rule.routes[0],
                allow_past=True,
            )
            if dosed_ago is None:
                # Preparing right now: exactly what the run sheet does.
                phases.session_start(session=session, actor=clinician)
                for participant in session.participants.all():
                    booking.participant_check_in(participant=participant, actor=staff["frontdesk"])
                    clinical.vitals_record(
                        participant=participant,
                        actor=clinician,
                        systolic=self.rng.randint(118, 136),
                        diastolic=self.rng.randint(72, 86),
                        heart_rate=self.rng.randint(64, 84),
                        spo2=98,
                        respiratory_rate=14,
                    )
                continue
            self._dosed_earlier(session, clinician, starts_at, now - timedelta(minutes=dosed_ago))

    def _dosed_earlier(self, session, clinician, started_at, dose_at) -> None:
        """A session that started before "now": its rows are written with the times at which the
        run sheet would have written them (the phase services act at the present moment)."""
        PhaseTransition.objects.create(
            session=session,
            from_phase="",
            to_phase=Session.Phase.PREPARATION,
            actor=clinician,
            at=started_at,
        )
        PhaseTransition.objects.create(
            session=session,
            from_phase=Session.Phase.PREPARATION,
            to_phase=Session.Phase.MEDICATION,
            actor=clinician,
            at=dose_at - timedelta(minutes=2),
        )
        Session.objects.filter(pk=session.pk).update(
            status=Session.Status.IN_PROGRESS,
            phase=Session.Phase.MEDICATION,
            started_at=started_at,
        )
        session.participants.update(
            attendance=Participant.Attendance.CHECKED_IN, checked_in_at=started_at
        )
        for participant in session.participants.all():
            VitalSign.objects.create(
                participant=participant,
                recorded_at=dose_at - timedelta(minutes=10),
                recorded_by=clinician,
                phase=Session.Phase.PREPARATION,
                systolic=128,
                diastolic=80,
                heart_rate=74,
                spo2=98,
                respiratory_rate=14,
            )
            self._give_dose(participant, session, clinician, dose_at, devices=2, weight=Decimal(70))
            VitalSign.objects.create(
                participant=participant,
                recorded_at=dose_at + timedelta(minutes=10),
                recorded_by=clinician,
                phase=Session.Phase.MEDICATION,
                systolic=134,
                diastolic=84,
                heart_rate=82,
                spo2=97,
            )

    def _give_dose(
        self,
        participant,
        session,
        clinician,
        dose_at,
        *,
        devices: int,
        weight: Decimal,
        waste_witness: User | None = None,
    ) -> None:
        """Spravato: `devices` sprays 5 minutes apart. Ketamine: 0.5 mg/kg IV, 0.75 mg/kg IM."""
        if session.is_spravato:
            for number in range(1, devices + 1):
                DoseAdministration.objects.create(
                    participant=participant,
                    drug=Drug.ESKETAMINE,
                    route=Route.INTRANASAL,
                    dose_mg=Decimal(28),
                    device_number=number,
                    lot_number="SPR-24A17",
                    administered_at=dose_at + timedelta(minutes=5 * (number - 1)),
                    administered_by=clinician,
                )
            return
        per_kg = Decimal("0.5") if session.route == Route.IV else Decimal("0.75")
        DoseAdministration.objects.create(
            participant=participant,
            drug=Drug.KETAMINE,
            route=session.route,
            dose_mg=(weight * per_kg).quantize(Decimal("1")),
            weight_kg=weight,
            lot_number=self.rng.choice(["KET-2301", "KET-2302", "KET-2405"]),
            administered_at=dose_at,
            administered_by=clinician,
            infusion_minutes=40 if session.route == Route.IV else None,
            **({"wasted_mg": Decimal("5"), "witness": waste_witness} if waste_witness else {}),
        )

    def _print_users(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD}):"))
        for username, _first, _last, roles, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<10} {', '.join(r.label for r in roles)}")
