"""The words of each message. Plain text, short, and private on a shared phone.

Patient messages name no diagnosis, drug or test unless the clinic opted in
(Clinic.reminder_details_opt_in), and every one says how to stop them. They are written in the
patient's language (Patient.language, or the clinic's), activated for that one message; a text
stays within two SMS segments (see `fit_sms`). Staff messages (worklists, alerts) are English.
"""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from .language import day_label, in_language, patient_language, time_label
from .links import calendar_url, taken_url, unsubscribe_url
from .models import Channel, Reminder, ReminderKind
from .sms_segments import fold_to_gsm7, for_sms, segments

DRUG_NAMES = {
    "hydroxocobalamin": gettext_noop("vitamin B12 injection (hydroxocobalamin)"),
    "ferrous-sulfate": gettext_noop("ferrous sulfate tablet"),
    "ferrous-fumarate": gettext_noop("ferrous fumarate tablet"),
    "ferrous-gluconate": gettext_noop("ferrous gluconate tablet"),
    "ferric-maltol": gettext_noop("ferric maltol capsule"),
    "folic-acid": gettext_noop("folic acid tablet"),
}
TEST_NAMES = {
    "fbc": gettext_noop("full blood count"), "reticulocytes": gettext_noop("reticulocyte count"),
    "b12": gettext_noop("vitamin B12 level"), "folate": gettext_noop("folate level"),
    "ferritin": gettext_noop("ferritin"), "crp": gettext_noop("CRP"), "potassium": gettext_noop("potassium"),
    "tsat": gettext_noop("transferrin saturation"),
}
#: A text to a patient is never longer than this many segments (what the clinic pays per text).
MAX_SMS_SEGMENTS = 2
#: A clinic name longer than this is shortened in a text that would not fit otherwise.
SMS_CLINIC_NAME_MAX = 30


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def drug_name(code: str) -> str:
    """The drug in the active language (an unknown code as it is)."""
    return _(DRUG_NAMES[code]) if code in DRUG_NAMES else code.replace("-", " ")


def lab_test_names(tests) -> str:
    return ", ".join(_(TEST_NAMES[t]) if t in TEST_NAMES else t for t in tests)


def _amount(event) -> str:
    return f" {event.dose_mg.normalize():f} mg" if event.dose_mg else ""


# -- patients ------------------------------------------------------------------------------------


def patient_text(row: Reminder, *, calendar_token: str = "") -> Text:
    """A reminder to a patient, on `row.channel`, in the patient's language."""
    with in_language(patient_language(row.patient, row.clinic)):
        if row.channel == Channel.SMS:
            return Text("", fit_sms(lambda name, details: _sms(row, name, details), row.clinic.name,
                                    row.clinic.reminder_details_opt_in))
        return _email(row, calendar_token)


def _email(row: Reminder, calendar_token: str) -> Text:
    clinic, event = row.clinic, row.event
    details = clinic.reminder_details_opt_in
    if row.kind == ReminderKind.DOSE:
        taken = taken_url(row.pk)
        subject = _("Today's dose, %(time)s") % {"time": time_label(event.due_at.astimezone(row.patient.zone))}
        if details:
            line = _("Time for today's dose (%(drug)s). Once you have taken it, tap to let the clinic know: "
                     "%(link)s") % {"drug": drug_name(event.code) + _amount(event), "link": taken}
        else:
            line = _("Time for today's dose. Once you have taken it, tap to let the clinic know: %(link)s") % {
                "link": taken}
    elif row.kind == ReminderKind.APPOINTMENT:
        subject, line = _appointment_email(row, details)
    else:
        subject = _("A blood test is due")
        values = {"start": day_label(event.window_start), "end": day_label(event.window_end),
                  "clinic": clinic.name, "tests": lab_test_names(event.tests or [event.code])}
        if details:
            line = _("A blood test (%(tests)s) is due between %(start)s and %(end)s. "
                     "Please book it with %(clinic)s.") % values
        else:
            line = _("A blood test is due between %(start)s and %(end)s. Please book it with %(clinic)s.") % values
    stop = unsubscribe_url(row.patient_id, Channel.EMAIL)
    footer = [_("To stop these emails: %(link)s") % {"link": stop}]
    if calendar_token:
        footer.insert(0, _("Your plan in your calendar app: %(link)s") % {"link": calendar_url(calendar_token)})
    body = "\n".join([line, "", clinic.name, "", "--", *footer, ""])
    headers = {"List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Text(f"{clinic.name}: {subject}", body, headers)


def _days_ahead(row: Reminder) -> int:
    return (row.event.due_date - row.send_at.astimezone(row.patient.zone).date()).days


def _appointment_email(row: Reminder, details: bool) -> tuple[str, str]:
    values = {"date": day_label(row.event.due_date), "clinic": row.clinic.name, "drug": drug_name(row.event.code)}
    days = _days_ahead(row)
    if days == 0:
        subject = _("Your appointment today, %(date)s")
        line = (_("A reminder of your appointment for your %(drug)s at %(clinic)s today, %(date)s.") if details
                else _("A reminder of your appointment at %(clinic)s today, %(date)s."))
    elif days == 1:
        subject = _("Your appointment tomorrow, %(date)s")
        line = (_("A reminder of your appointment for your %(drug)s at %(clinic)s tomorrow, %(date)s.") if details
                else _("A reminder of your appointment at %(clinic)s tomorrow, %(date)s."))
    else:
        subject = _("Your appointment on %(date)s")
        line = (_("A reminder of your appointment for your %(drug)s at %(clinic)s on %(date)s.") if details
                else _("A reminder of your appointment at %(clinic)s on %(date)s."))
    return subject % values, line % values


def _sms(row: Reminder, clinic_name: str, details: bool) -> str:
    """The text, before the opt-out sentence, with `clinic_name` and naming the drug or test if `details`."""
    event = row.event
    if row.kind == ReminderKind.DOSE:
        values = {"clinic": clinic_name, "link": taken_url(row.pk), "drug": drug_name(event.code) + _amount(event)}
        if details:
            return _("%(clinic)s: time for today's dose (%(drug)s). Taken it? Tap %(link)s") % values
        return _("%(clinic)s: time for today's dose. Taken it? Tap %(link)s") % values
    if row.kind == ReminderKind.APPOINTMENT:
        values = {"clinic": clinic_name, "date": day_label(event.due_date), "drug": drug_name(event.code)}
        days = _days_ahead(row)
        if days == 0:
            text = (_("%(clinic)s: reminder of your appointment for your %(drug)s today, %(date)s.") if details
                    else _("%(clinic)s: reminder of your appointment today, %(date)s."))
        elif days == 1:
            text = (_("%(clinic)s: reminder of your appointment for your %(drug)s tomorrow, %(date)s.") if details
                    else _("%(clinic)s: reminder of your appointment tomorrow, %(date)s."))
        else:
            text = (_("%(clinic)s: reminder of your appointment for your %(drug)s on %(date)s.") if details
                    else _("%(clinic)s: reminder of your appointment on %(date)s."))
        return text % values
    values = {"clinic": clinic_name, "start": day_label(event.window_start), "end": day_label(event.window_end),
              "tests": lab_test_names(event.tests or [event.code])}
    if details:
        return _("%(clinic)s: a blood test (%(tests)s) is due between %(start)s and %(end)s. Please book it.") % values
    return _("%(clinic)s: a blood test is due between %(start)s and %(end)s. Please book it.") % values


def fit_sms(build, clinic_name: str, details: bool) -> str:
    """The first wording of a text that fits MAX_SMS_SEGMENTS, folded to GSM-7 where that is possible.

    `build(clinic_name, details)` words the text. Tried in order: as the clinic wants it; without
    the drug or test names; with the clinic's name shortened; with it in GSM-7 letters only (or the
    clinic's short name). The opt-out sentence and the link are never dropped.
    """
    stop = _("Reply STOP to opt out.")
    short = _shorten(clinic_name, SMS_CLINIC_NAME_MAX)
    tries = [(clinic_name, details), (clinic_name, False), (short, False), (_gsm7_name(short), False)]
    if not details:
        del tries[0]
    text = ""
    for name, with_details in tries:
        text = for_sms(f"{build(name, with_details)} {stop}")
        if segments(text).count <= MAX_SMS_SEGMENTS:
            return text
    return text


def _shorten(name: str, limit: int) -> str:
    if len(name) <= limit:
        return name
    cut = name[:limit].rsplit(" ", 1)[0]
    return cut if len(cut) >= limit // 2 else name[:limit]


def _gsm7_name(name: str) -> str:
    folded = fold_to_gsm7(name)
    if folded is not None:
        return folded
    return "".join(char for char in name if fold_to_gsm7(char) is not None).strip() or pgettext(
        "who sends a text when the clinic's name cannot be written in it", "Your clinic")


# -- staff (English) -----------------------------------------------------------------------------


def staff_day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


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
    subject = f"[{row.clinic.name}] Injections {staff_day_label(day)}: {len(events)}"
    if not events:
        lines = ["No injections are planned today."]
    else:
        lines = [f"Injections planned for {staff_day_label(day)}:", ""]
        for event in events:
            patient = event.patient
            dose = f"{event.dose_mg.normalize():f} mg " if event.dose_mg else ""
            late = " (overdue)" if event.window_end < day else ""
            lines.append(f"- {patient.family_name}, {patient.given_name} (MRN {patient.mrn}): "
                         f"{event.code} {dose}{event.route}, {event.phase} dose {event.sequence}{late}")
    return Text(subject, "\n".join([*lines, ""]))
