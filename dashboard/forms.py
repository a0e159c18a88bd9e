"""Forms of the staff pages. They parse input; the services decide what is valid and save."""

from datetime import datetime

from django import forms

from clinics.languages import language_choices
from patients.errors import InvalidInput
from patients.lab_codes import TESTS
from patients.models import InjectionSite
from patients.phones import MAX_INPUT_LENGTH as MAX_PHONE_INPUT


def apply_errors(form: forms.Form, exc: InvalidInput, rename: dict[str, str] | None = None) -> None:
    """Show a service's field errors on the form (unknown fields become form-wide errors)."""
    rename = rename or {}
    for field, message in exc.errors.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, message if name in form.fields else
                       (message if field == "non_field_errors" else f"{field.replace('_', ' ')}: {message}"))


def local_datetime(day, at, zone) -> datetime:
    return datetime.combine(day, at).replace(tzinfo=zone)


class DayTimeField(forms.DateTimeField):
    """A date and time ("2026-12-01T14:30", the browser's datetime-local) or, as older forms sent, a time
    alone ("14:30": today). Cleans to a naive datetime, or a time for the view to put on the clinic's today."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Enter a date and time, e.g. 2026-01-05 14:30."

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) <= 5 and ":" in value:
            try:
                return datetime.strptime(value.strip(), "%H:%M").time()
            except ValueError:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if isinstance(value, str) and len(value) > 40:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        value = super().to_python(value)
        return value.replace(tzinfo=None) if value is not None else None


class GivenForm(forms.Form):
    site = forms.ChoiceField(label="Injection site", choices=InjectionSite.choices)
    lot_number = forms.CharField(label="Lot number", max_length=64)
    dose_mg = forms.DecimalField(label="Dose (mg)", min_value=0.001, max_digits=9, decimal_places=3)
    given_at = DayTimeField(label="Given at")

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"{prefix_id}{name}")
        self.fields["lot_number"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class OutcomeTimeForm(forms.Form):
    """Missed or declined: when (now if left out) and, for declined, why."""

    at = DayTimeField(required=False)
    reason = forms.CharField(required=False, max_length=500, strip=True)


class TakenForm(forms.Form):
    """A home (oral) dose the patient says, on the phone, they took."""

    taken_at = DayTimeField(label="Taken at")
    note = forms.CharField(label="Note (optional)", required=False, max_length=500, strip=True)

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"{prefix_id}{name}")


LAB_CHOICES = [(code, f"{t.name} ({code})") for code, t in TESTS.items()]


def lab_units() -> dict[str, list[str]]:
    return {code: [t.unit, *t.alternatives] for code, t in TESTS.items()}


class LabResultForm(forms.Form):
    test = forms.ChoiceField(label="Test", choices=LAB_CHOICES)
    value = forms.CharField(label="Value", max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    unit = forms.CharField(label="Unit", max_length=20)
    collected_on = forms.DateField(label="Collected on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    collected_time = forms.TimeField(label="at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500)


class EndPhaseForm(forms.Form):
    phase = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(label="Last day of the phase", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    note = forms.CharField(label="Resolution note", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EnrollForm(forms.Form):
    protocol = forms.ChoiceField(label="Protocol")
    start_date = forms.DateField(label="Start date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    maintenance_interval_months = forms.TypedChoiceField(
        label="B12 maintenance interval", required=False, coerce=int, empty_value=None,
        choices=[("", "As the protocol says"), ("2", "Every 2 months"), ("3", "Every 3 months")],
        help_text="Only for protocols with B12 maintenance (BNF: every 2–3 months).")
    iron_product = forms.ChoiceField(label="Oral iron product", required=False,
                                     help_text="Only for protocols with oral iron.")
    dose_time = forms.TimeField(label="Oral dose time (patient's local time)", required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                                help_text="Defaults to the patient's preferred time.")
    override_reason = forms.CharField(
        label="Override reason (clinicians only)", required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only needed to start folic acid without a B12 result in range (folate-without-b12).")

    def __init__(self, *args, protocols=(), **kwargs):
        from protocols.products import IRON_PRODUCTS

        super().__init__(*args, **kwargs)
        self.fields["protocol"].choices = [("", "Choose a protocol…"), *protocols]
        self.fields["iron_product"].choices = [("", "As the protocol says")] + [
            (p.code, f"{p.drug.replace('-', ' ')} {p.strength_mg} mg ({p.elemental_iron_mg} mg elemental iron)")
            for p in IRON_PRODUCTS.values()
        ]

    def options(self) -> dict:
        data = self.cleaned_data
        options = {}
        if data.get("maintenance_interval_months"):
            options["maintenance_interval_months"] = data["maintenance_interval_months"]
        if data.get("iron_product"):
            options["iron_product"] = data["iron_product"]
        if data.get("dose_time"):
            options["dose_time"] = data["dose_time"].strftime("%H:%M")
        return options


class _PatientDetailsForm(forms.Form):
    """What the new-patient and edit pages both ask: who the patient is and how to reach them."""

    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sex = forms.ChoiceField(label="Sex", choices=[("female", "Female"), ("male", "Male"), ("other", "Other"),
                                                   ("unknown", "Unknown")])
    pregnant = forms.BooleanField(label="Pregnant", required=False)
    phone = forms.CharField(label="Mobile phone", max_length=MAX_PHONE_INPUT, required=False,
                            help_text="As you would dial it (07700 900123) or with the country code (+44 7700 900123)")
    email = forms.EmailField(label="Email", required=False, max_length=254)
    language = forms.ChoiceField(label="Language of reminders", required=False)
    reminders_opt_in = forms.BooleanField(label="Send reminders", required=False)

    def __init__(self, *args, clinic=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        names = dict(language_choices())
        clinics = f"The clinic's ({names.get(clinic.language, clinic.language)})" if clinic else "The clinic's"
        self.fields["language"].choices = [("", clinics), *language_choices()]

    def clean_phone(self):
        """Checked here too, so that a bad number is reported with the other fields' errors at once (the
        service normalises it)."""
        from patients.phones import PhoneError, phone_normalize

        phone = self.cleaned_data["phone"].strip()
        if phone and self.clinic is not None:
            try:
                phone_normalize(phone, self.clinic.country)
            except PhoneError as exc:
                raise forms.ValidationError(f"This number {exc}") from None
        return phone


class PatientForm(_PatientDetailsForm):
    field_order = ["mrn", "given_name", "family_name", "date_of_birth", "sex", "pregnant", "phone", "email",
                   "preferred_dose_time", "reminders_opt_in", "language"]

    mrn = forms.CharField(label="MRN", max_length=64)
    preferred_dose_time = forms.TimeField(label="Preferred time for oral doses", initial="08:00",
                                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reminders_opt_in = forms.BooleanField(label="Send reminders", required=False, initial=True)


#: How a patient's reminder channels are chosen on the edit page ('' : whatever the clinic uses).
REMINDER_CHANNEL_CHOICES = [("", "The clinic's channels"), ("email,sms", "Email and text message"),
                            ("email", "Email only"), ("sms", "Text message only")]


class PatientEditForm(_PatientDetailsForm):
    """A patient's details as staff change them (the MRN is the record's identity and stays)."""

    field_order = ["given_name", "family_name", "date_of_birth", "sex", "pregnant", "phone", "email", "timezone",
                   "preferred_dose_time", "language", "reminders_opt_in", "channels", "end_opt_outs"]

    timezone = forms.ChoiceField(label="Time zone", help_text="Where the patient lives: dose times are their local time")
    preferred_dose_time = forms.TimeField(label="Oral dose time (patient's local time)",
                                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    channels = forms.ChoiceField(label="Remind by", required=False, choices=REMINDER_CHANNEL_CHOICES)
    end_opt_outs = forms.MultipleChoiceField(
        label="Opted out: the patient asked for these again", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, clinic=None, opt_outs=(), **kwargs):
        from clinics.models import _timezone_names

        super().__init__(*args, clinic=clinic, **kwargs)
        self.fields["timezone"].choices = [(z, z.replace("_", " ")) for z in sorted(_timezone_names())]
        if opt_outs:
            self.fields["end_opt_outs"].choices = [
                (o.channel, f"{o.get_channel_display()} (opted out {o.created_at:%-d %b %Y}: {o.get_via_display()})")
                for o in opt_outs]
        else:
            del self.fields["end_opt_outs"]

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        channels = data.pop("channels")
        ended = data.pop("end_opt_outs", [])
        return {**data, "channels": channels.split(",") if channels else [], "opt_outs_ended": ended}


# --- Clinic settings (clinic administrators) ---------------------------------------------------------

WEEKDAY_CHOICES = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
                   ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday")]


class ClinicDetailsForm(forms.Form):
    name = forms.CharField(label="Clinic name", max_length=200,
                           help_text="On every page, in reminders and on printed plans")
    language = forms.ChoiceField(label="Language of messages", choices=language_choices,
                                 help_text="For patients who have not chosen their own")
    reminder_details_opt_in = forms.BooleanField(
        label="Reminder texts may name the drug or test", required=False,
        help_text="Off: nothing clinical in a message that may be read on a shared phone")
    address = forms.CharField(label="Address", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Printed on patients' plans")
    phone = forms.CharField(label="Phone patients call", max_length=40, required=False,
                            help_text="Printed on patients' plans")
    email = forms.EmailField(label="Email patients write to", max_length=254, required=False,
                             help_text="Printed on patients' plans")


class ClinicDaysForm(forms.Form):
    open_days = forms.MultipleChoiceField(label="Open days", choices=WEEKDAY_CHOICES,
                                          widget=forms.CheckboxSelectMultiple)
    injection_days = forms.MultipleChoiceField(label="Injection days", choices=WEEKDAY_CHOICES,
                                               widget=forms.CheckboxSelectMultiple,
                                               help_text="Days injections are booked on; the clinic must be open")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages["required"] = f"Choose at least one day ({field.label.lower()})."
            field.widget.attrs["id"] = f"id_{name}"


class ClosedDayForm(forms.Form):
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False,
                             help_text="e.g. Bank holiday, staff training")


class ThresholdsForm(forms.Form):
    """One bounded number per clinic threshold, labelled with its unit and default."""

    def __init__(self, *args, clinic=None, **kwargs):
        from clinics.thresholds import THRESHOLDS

        super().__init__(*args, **kwargs)
        for name, info in THRESHOLDS.items():
            step = 1 if info.whole else 0.1
            default = f"{info.default:g}"
            unit = info.unit[:-1] if info.default == 1 and info.unit in ("days", "years", "doses") else info.unit
            self.fields[name] = forms.DecimalField(
                label=f"{info.label} ({info.unit})", min_value=info.minimum, max_value=info.maximum,
                max_digits=7, decimal_places=0 if info.whole else 2,
                initial=f"{clinic.threshold(name):g}" if clinic else default,
                help_text=f"Default {default} {unit}; {info.minimum:g}–{info.maximum:g}",
                widget=forms.NumberInput(attrs={"step": step, "min": f"{info.minimum:g}", "max": f"{info.maximum:g}",
                                                "inputmode": "decimal", "class": "narrow"}),
                error_messages={
                    "invalid": "Enter a number.",
                    "min_value": f"Must be at least {info.minimum:g} {info.unit}.",
                    "max_value": f"Must be at most {info.maximum:g} {info.unit}.",
                    "max_decimal_places": f"Use whole {info.unit}." if info.whole else "Use at most 2 decimals.",
                    "max_whole_digits": f"Must be at most {info.maximum:g} {info.unit}.",
                    "max_digits": f"Must be at most {info.maximum:g} {info.unit}.",
                })
            self.fields[name].group = info.group


class ClinicRemindersForm(forms.Form):
    """The clinic's reminder defaults (reminders.ClinicReminderSettings)."""

    patient_channels = forms.MultipleChoiceField(
        label="Remind patients by", widget=forms.CheckboxSelectMultiple,
        choices=[("email", "Email"), ("sms", "Text message (SMS)")],
        help_text="Unless a patient chose their own channels",
        error_messages={"required": "Choose at least one channel."})
    dose_reminders = forms.BooleanField(label="Oral dose reminders (at the patient's dose time)", required=False)
    appointment_reminders = forms.BooleanField(label="Injection appointment reminders", required=False)
    appointment_reminder_days_before = forms.IntegerField(
        label="Appointment reminders, days before", min_value=1, max_value=7,
        widget=forms.NumberInput(attrs={"class": "narrow"}))
    appointment_reminder_time = forms.TimeField(label="Appointment reminders sent at",
                                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    appointments_start_at = forms.TimeField(
        label="First appointments of the day at", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="A reminder held back by quiet hours must arrive before this, or it is skipped")
    lab_reminders = forms.BooleanField(label="Blood test reminders (when the window opens)", required=False)
    lab_reminder_time = forms.TimeField(label="Blood test reminders sent at",
                                        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    worklist_enabled = forms.BooleanField(label="Email the nurses' worklist each morning", required=False)
    worklist_time = forms.TimeField(label="Worklist sent at", widget=forms.TimeInput(attrs={"type": "time"},
                                                                                     format="%H:%M"))
    quiet_hours_start = forms.TimeField(label="Quiet hours from", widget=forms.TimeInput(attrs={"type": "time"},
                                                                                         format="%H:%M"))
    quiet_hours_end = forms.TimeField(label="Quiet hours until", widget=forms.TimeInput(attrs={"type": "time"},
                                                                                        format="%H:%M"),
                                      help_text="The same time as the start: no quiet hours")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_channels"].widget.attrs["id"] = "id_patient_channels"
