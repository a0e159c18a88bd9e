"""What an email provider reports after it accepted a message: a bounce, a rejection, a complaint.

Reports arrive through django-anymail's tracking webhooks (its `tracking` signal, see
reminders/receivers.py), signed or authenticated as each provider does it.
"""

import logging

from django.db import transaction
from django.utils import timezone

from patients.models import Patient

from ..models import Channel, Reminder, ReminderStatus
from .preferences import contact_refused

logger = logging.getLogger(__name__)

#: Reports that mean the address will not take our mail ...
UNDELIVERABLE_EVENTS = frozenset({"bounced", "rejected"})
#: ... and that the recipient does not want it (marked it as spam): an opt-out.
COMPLAINT_EVENTS = frozenset({"complained", "unsubscribed"})


def _reminder_for(message_id: str) -> Reminder | None:
    ref = (message_id or "").strip()
    if not ref:
        return None
    refs = {ref, ref.strip("<>"), f"<{ref.strip('<>')}>"}
    return (Reminder.objects.select_for_update(of=("self",)).select_related("patient")
            .filter(channel=Channel.EMAIL, provider_ref__in=refs).first())


@transaction.atomic
def email_delivery_report_record(*, event_type: str, recipient: str, message_id: str = "", description: str = "",
                                 provider: str = "") -> int:
    """An email provider's later word on a message it accepted. Returns how many patients it concerned.

    A bounce or rejection fails the reminder it names (if any), flags the address on every patient
    who has it and alerts their clinic (`reminder-undeliverable`); a complaint records an opt-out
    from email. Other events (delivered, opened, deferred...) change nothing.
    """
    if event_type not in UNDELIVERABLE_EVENTS | COMPLAINT_EVENTS:
        return 0
    complaint = event_type in COMPLAINT_EVENTS
    address = (recipient or "").strip()
    reason = f"{provider or 'the email provider'} reported the email {event_type}" + (
        f": {description}" if description else "")
    reminder = _reminder_for(message_id)
    if reminder is not None:
        address = address or reminder.sent_to
        if not complaint and reminder.status == ReminderStatus.SENT:
            Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.FAILED, status_reason=reason[:200],
                                                           last_error=reason[:2000], updated_at=timezone.now())
    if not address:
        logger.warning("an email %s report named no recipient and no known message", event_type)
        return 0
    patients = list(Patient.objects.filter(email__iexact=address).order_by("pk"))
    for patient in patients:
        contact_refused(patient=patient, channel=Channel.EMAIL, destination=patient.email.strip(), error=reason,
                        bad_contact=not complaint, opted_out=complaint)
    return len(patients)
