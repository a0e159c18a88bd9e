"""A demo clinic with staff and a few patients on each protocol, some doses and labs recorded."""

import os
from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from clinics.models import Role
from clinics.services import clinic_create, staff_create
from clinics.tokens import api_token_issue, api_tokens_revoke
from patients.models import Patient
from patients.services import administration_record, enrollment_create, lab_result_record, patient_create
from protocols.builtin import builtin_definitions

DEMO_PASSWORD_DEFAULT = "b12-and-iron-2026"  # passes the password validators for every demo username
PEOPLE = [
    ("Ada", "Lovelace", "female", "1958-12-10"), ("Ben", "Okafor", "male", "1971-03-22"),
    ("Chloe", "Martin", "female", "1990-07-01"), ("Dev", "Patel", "male", "1949-01-30"),
    ("Eva", "Nowak", "female", "1983-11-15"), ("Finn", "Murphy", "male", "1965-05-05"),
    ("Grace", "Ho", "female", "1977-09-09"), ("Hugo", "Silva", "male", "1955-02-28"),
    ("Iris", "Kaur", "female", "1995-06-18"), ("Jon", "Berg", "male", "1940-04-04"),
    ("Kemi", "Adeyemi", "female", "1969-10-21"), ("Liam", "Walsh", "male", "1988-08-08"),
    ("Maya", "Cohen", "female", "1961-12-24"), ("Noah", "Evans", "male", "1952-03-03"),
]


class Command(BaseCommand):
    help = "Create the demo clinic (idempotent) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--slug", default="demo")

    def handle(self, *args, slug, **opts):
        password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
        clinic, created = clinic_create(slug=slug, name="Demo Clinic", timezone="Europe/London")
        tokens = {}
        for role in (Role.CLINICIAN, Role.NURSE, Role.ADMIN):
            user, key, _ = staff_create(username=f"{slug}-{role}", clinic=clinic, role=role, password=password)
            if key is None:  # only a hash is kept: a demo run hands out fresh keys (the old ones stop working)
                api_tokens_revoke(user=user)
                key = api_token_issue(user=user)[1]
            tokens[user.username] = key
        if not Patient.objects.filter(clinic=clinic).exists():
            self.seed_patients(clinic, clinician=user.__class__.objects.get(username=f"{slug}-clinician"))
        self.stdout.write(self.style.SUCCESS(f"Demo clinic '{clinic.name}' ({clinic.slug})"))
        self.stdout.write(f"  web login password for every demo user: {password}")
        for username, key in tokens.items():
            self.stdout.write(f"  {username:20s} API token {key}")

    @transaction.atomic
    def seed_patients(self, clinic, clinician):
        today = timezone.now().astimezone(clinic.zone).date()
        slugs = [d["slug"] for d in builtin_definitions()]
        people = iter(PEOPLE)
        for index, slug in enumerate(slugs):
            for started_weeks_ago in (3, 0):
                given, family, sex, dob = next(people)
                patient = patient_create(
                    actor=clinician, clinic=clinic, mrn=f"DEMO{len(slugs) * 10 + index * 2 + started_weeks_ago:04d}",
                    given_name=given, family_name=family, sex=sex, date_of_birth=datetime.fromisoformat(dob).date(),
                    email=f"{given.lower()}@example.org", phone="+447700900" + f"{index * 2 + started_weeks_ago:03d}",
                )
                start = today - timedelta(weeks=started_weeks_ago)
                collected = timezone.make_aware(datetime.combine(start - timedelta(days=2), time(9, 30)), clinic.zone)
                lab_result_record(actor=clinician, patient=patient, test="hb", value=98 + index * 3, unit="g/L",
                                  collected_at=collected)
                lab_result_record(actor=clinician, patient=patient, test="ferritin", value=12 + index, unit="ug/L",
                                  collected_at=collected)
                lab_result_record(actor=clinician, patient=patient, test="b12", value=260 if slug == "folate-oral" else 140,
                                  unit="ng/L", collected_at=collected)
                override = "Demo: B12 checked by GP" if slug == "folate-oral" else ""
                enrollment = enrollment_create(actor=clinician, patient=patient, protocol=slug, start_date=start,
                                               override_reason=override)
                self.record_history(enrollment, clinician, today)

    def record_history(self, enrollment, clinician, today):
        """Record what 'happened' before today: most doses given, one missed."""
        for step in range(30):
            event = enrollment.events.filter(kind="dose", status="planned", due_date__lt=today).order_by("due_date").first()
            if event is None:
                break
            zone = enrollment.clinic.zone if event.setting == "clinic" else enrollment.patient.zone
            at = timezone.make_aware(datetime.combine(event.due_date, time(10, 15)), zone)
            if step == 1:
                administration_record(actor=clinician, event=event, outcome="missed", occurred_at=at)
            elif event.setting == "clinic":
                administration_record(actor=clinician, event=event, outcome="given", occurred_at=at, dose_mg=event.dose_mg,
                                      route=event.route, site="deltoid-left", lot_number="DEMO-LOT-1")
            elif step % 5 != 4:  # a few oral doses left unconfirmed
                administration_record(actor=clinician, event=event, outcome="given", occurred_at=at)
            else:
                break
