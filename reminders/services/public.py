"""What patients do without logging in: confirm a dose from a link, reply STOP."""

import logging

from django.db import transaction
from django.utils import timezone

from patients.errors import InvalidInput
from patients.models import Administration, Outcome, Patient, Source
from patients.services import administration_record

from ..models import Channel, OptOut, OptOutVia, Reminder, ReminderKind, ReminderStatus
from .preferences import opt_out_end, opt_out_record, reminder_refused

logger = logging.getLogger(__name__)

#: Replies that stop texts (the carriers' standard keywords) and that start them again.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN"})


class LinkAlreadyUsed(InvalidInput):
    pass


@transaction.atomic
def dose_confirm_taken(*, reminder_id: int) -> Administration:
    """The patient tapped "taken" in a dose reminder: record a self-reported dose, once."""
    reminder = (Reminder.objects.select_for_update(of=("self",)).select_related("event", "patient")
                .filter(pk=reminder_id, kind=ReminderKind.DOSE).first())
    if reminder is None:
        raise InvalidInput({"link": "this link is not valid"})
    if reminder.link_used_at is not None:
        raise LinkAlreadyUsed({"link": f"this link was already used on {reminder.link_used_at:%d %b %Y at %H:%M} UTC"})
    now = timezone.now()
    record, _ = administration_record(
        actor=None, event=reminder.event, outcome=Outcome.GIVEN, occurred_at=now, source=Source.PATIENT,
        note="Reported by the patient from a reminder link", idempotency_key=f"reminder:{reminder.pk}:taken",
    )
    Reminder.objects.filter(pk=reminder.pk).update(link_used_at=now)
    return record


def sms_reply_handle(*, sender: str, body: str) -> str:
    """A text from a patient: STOP opts every patient with that number out of texts; START undoes it.

    Returns what was done: 'stopped', 'started' or 'ignored'.
    """
    words = body.strip().upper().split()
    keyword = words[0].strip(".!") if words else ""
    patients = list(Patient.objects.filter(phone=sender)) if sender else []
    if keyword in STOP_WORDS:
        for patient in patients:
            opt_out_record(patient=patient, channel=Channel.SMS, via=OptOutVia.SMS_REPLY, detail=sender)
        return "stopped"
    if keyword in START_WORDS:
        for patient in patients:
            opt_out_end(patient=patient, channel=Channel.SMS, via=OptOutVia.SMS_REPLY)
        return "started"
    logger.info("an SMS reply from a patient was not a keyword; ignored")
    return "ignored"


def unsubscribe(*, patient_id: int, channel: str) -> OptOut:
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        raise InvalidInput({"link": "this link is not valid"})
    opt_out, _ = opt_out_record(patient=patient, channel=channel, via=OptOutVia.LINK,
                                detail=patient.email if channel == Channel.EMAIL else patient.phone)
    return opt_out


def resubscribe(*, patient_id: int, channel: str) -> int:
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        raise InvalidInput({"link": "this link is not valid"})
    return opt_out_end(patient=patient, channel=channel, via=OptOutVia.LINK)


#: Delivery reports that mean a text did not reach the phone.
UNDELIVERED = frozenset({"failed", "undelivered"})


@transaction.atomic
def sms_delivery_report_record(*, provider_ref: str, status: str, error_code: int | None,
                               bad_number_codes=frozenset(), unsubscribed_codes=frozenset()) -> Reminder | None:
    """The gateway says a text it accepted was not delivered: the reminder failed after all.

    A code meaning the number can never receive texts flags the contact and tells the staff; a
    code meaning the patient unsubscribed records the opt-out.
    """
    if status not in UNDELIVERED or not provider_ref:
        return None
    reminder = (Reminder.objects.select_for_update(of=("self",)).select_related("patient")
                .filter(channel=Channel.SMS, provider_ref=provider_ref).first())
    if reminder is None or reminder.status != ReminderStatus.SENT:
        return reminder
    error = f"the provider reported the text {status}" + (f" (error {error_code})" if error_code else "")
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.FAILED, status_reason=error[:200],
                                                   last_error=error)
    reminder_refused(reminder=reminder, error=error, destination=reminder.sent_to,
                     bad_contact=error_code in bad_number_codes, opted_out=error_code in unsubscribed_codes)
    return reminder
