from datetime import date, time

import factory

from clinics.models import Clinic, Role, User
from patients.models import Patient
from patients.phones import phone_normalize


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"clinic-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    timezone = "Europe/London"


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.NURSE
    password = factory.django.Password("correct horse battery staple")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    mrn = factory.Sequence(lambda n: f"MRN{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    date_of_birth = date(1960, 5, 17)
    sex = "female"
    timezone = factory.LazyAttribute(lambda o: o.clinic.timezone)
    email = factory.LazyAttribute(lambda o: f"{o.mrn.lower()}@example.org")
    phone = "+447700900123"
    phone_kind = factory.LazyAttribute(lambda o: phone_normalize(o.phone, o.clinic.country).kind if o.phone else "")
    preferred_dose_time = time(8, 0)  # the model default is the string "08:00" until the row is re-read
