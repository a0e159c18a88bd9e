"""The words of each message. Plain text, short, and private on a shared phone.

Patient messages name no diagnosis, drug or test unless the clinic opted in
(Clinic.reminder_details_opt_in). Every patient message says how to stop them.
"""

from dataclasses import dataclass, field
from datetime import date

from .links import calendar_url, taken_url, unsubscribe_url
from .models import Channel, Reminder, ReminderKind

DRUG_NAMES = {
    "hydroxocobalamin": "vitamin B12 injection (hydroxocobalamin)",
    "ferrous-sulfate": "ferrous sulfate tablet",
    "ferrous-fumarate": "ferrous fumarate tablet",
    "ferrous-gluconate": "ferrous gluconate tablet",
    "ferric-maltol": "ferric maltol capsule",
    "folic-acid": "folic acid tablet",
}
TEST_NAMES = {
    "fbc": "full blood count", "reticulocytes": "reticulocyte count", "b12": "vitamin B12 level",
    "folate": "folate level", "ferritin": "ferritin", "crp": "CRP", "potassium": "potassium",
    "tsat": "transferrin saturation",
}
STOP_SMS = "Reply STOP to opt out."


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _drug(code: str) -> str:
    return DRUG_NAMES.get(code, code.replace("-", " "))


def _tests(tests) -> str:
    return ", ".join(TEST_NAMES.get(t, t) for t in tests)


def patient_text(row: Reminder, *, calendar_token: str = "") -> Text:
    """A reminder to a patient, on `row.channel`."""
    clinic, event = row.clinic, row.event
    details = clinic.reminder_details_opt_in
    zone = row.patient.zone
    if row.kind == ReminderKind.DOSE:
        what = f" ({_drug(event.code)}{_amount(event)})" if details else ""
        at = event.due_at.astimezone(zone)
        taken = taken_url(row.pk)
        subject = f"Today's dose, {at:%H:%M}"
        line = f"Time for today's dose{what}. Once you have taken it, tap to let the clinic know: {taken}"
        sms = f"{clinic.name}: time for today's dose{what}. Taken it? Tap {taken}"
    elif row.kind == ReminderKind.APPOINTMENT:
        when = day_label(event.due_date)
        what = f" for your {_drug(event.code)}" if details else ""
        days = (event.due_date - row.send_at.astimezone(zone).date()).days
        relative = {0: "today, ", 1: "tomorrow, "}.get(days, "")
        subject = f"Your appointment {relative}{when}"
        line = f"A reminder of your appointment{what} at {clinic.name} {relative}{when}."
        sms = f"{clinic.name}: reminder of your appointment{what} {relative}{when}."
    else:
        what = f" ({_tests(event.tests or [event.code])})" if details else ""
        window = f"between {day_label(event.window_start)} and {day_label(event.window_end)}"
        subject = "A blood test is due"
        line = f"A blood test{what} is due {window}. Please book it with {clinic.name}."
        sms = f"{clinic.name}: a blood test{what} is due {window}. Please book it."
    if row.channel == Channel.SMS:
        return Text("", f"{sms} {STOP_SMS}")
    stop = unsubscribe_url(row.patient_id, Channel.EMAIL)
    footer = [f"To stop these emails: {stop}"]
    if calendar_token:
        footer.insert(0, f"Your plan in your calendar app: {calendar_url(calendar_token)}")
    body = "\n".join([line, "", f"{clinic.name}", "", "--", *footer, ""])
    headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Text(f"{clinic.name}: {subject}", body, headers)


def _amount(event) -> str:
    return f" {event.dose_mg.normalize():f} mg" if event.dose_mg else ""


def alert_text(row: Reminder) -> Text:
    alert, patient = row.alert, row.alert.patient
    subject = f"[{row.clinic.name}] {alert.code}: {patient.full_name} (MRN {patient.mrn})"
    body = "\n".join([
        f"{alert.message}",
        "",
        f"Patient: {patient.full_name}, MRN {patient.mrn}",
        f"Alert: {alert.code} ({alert.severity}), raised {alert.created_at:%Y-%m-%d %H:%M} UTC",
        "",
        "Acknowledge it in the clinic's alert list.",
        "",
    ])
    return Text(subject, body)


def worklist_text(row: Reminder, events) -> Text:
    day = row.about_date
    subject = f"[{row.clinic.name}] Injections {day_label(day)}: {len(events)}"
    if not events:
        lines = ["No injections are planned today."]
    else:
        lines = [f"Injections planned for {day_label(day)}:", ""]
        for event in events:
            patient = event.patient
            dose = f"{event.dose_mg.normalize():f} mg " if event.dose_mg else ""
            late = " (overdue)" if event.window_end < day else ""
            lines.append(f"- {patient.family_name}, {patient.given_name} (MRN {patient.mrn}): "
                         f"{event.code} {dose}{event.route}, {event.phase} dose {event.sequence}{late}")
    return Text(subject, "\n".join([*lines, ""]))
