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


class PatientForm(forms.Form):
    mrn = forms.CharField(label="MRN", max_length=64)
    given_name = forms.CharField(label="Given name", max_length=100)
    family_name = forms.CharField(label="Family name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    sex = forms.ChoiceField(label="Sex", choices=[("female", "Female"), ("male", "Male"), ("other", "Other"),
                                                   ("unknown", "Unknown")])
    pregnant = forms.BooleanField(label="Pregnant", required=False)
    phone = forms.CharField(label="Mobile phone", max_length=MAX_PHONE_INPUT, required=False,
                            help_text="As you would dial it (07700 900123) or with the country code (+44 7700 900123)")
    email = forms.EmailField(label="Email", required=False)
    preferred_dose_time = forms.TimeField(label="Preferred time for oral doses", initial="08:00",
                                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reminders_opt_in = forms.BooleanField(label="Send reminders", required=False, initial=True)
    language = forms.ChoiceField(label="Language of reminders", required=False)

    def __init__(self, *args, clinic=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(language_choices())
        clinics = f"The clinic's ({names.get(clinic.language, clinic.language)})" if clinic else "The clinic's"
        self.fields["language"].choices = [("", clinics), *language_choices()]
