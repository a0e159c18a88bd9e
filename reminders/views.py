"""Public pages, no login: the "taken" link, unsubscribe, the SMS webhook, the calendar feed.

Each is authorised by what is in its URL (a signed token or a secret one) or, for the webhook,
by the gateway's signature. A link opened by a mail scanner changes nothing: GET only shows a
button; the change is a POST.
"""

import logging

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.errors import InvalidInput

from . import services
from .calendar_feed import patient_calendar
from .channels import sms_backend
from .links import taken_reminder_id, unsubscribe_target
from .models import Channel, OptOut, PatientReminderPreferences, Reminder
from .services.public import LinkAlreadyUsed

logger = logging.getLogger(__name__)

CHANNEL_WORDS = {Channel.EMAIL: "emails", Channel.SMS: "text messages", OptOut.ALL: "messages"}


def _page(request, title: str, text: str, status: int = 200, form: dict | None = None) -> HttpResponse:
    return render(request, "reminders/public/page.html", {"title": title, "text": text, "form": form},
                  status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def taken(request, token: str):
    try:
        reminder_id = taken_reminder_id(token)
    except signing.SignatureExpired:
        return _page(request, "This link has expired",
                     "Links to confirm a dose work for a day. Please tell the clinic at your next visit.", 410)
    except signing.BadSignature:
        return _page(request, "This link is not valid", "Please check you copied the whole link.", 404)
    reminder = Reminder.objects.select_related("clinic", "event").filter(pk=reminder_id).first()
    if reminder is None:
        raise Http404("no such reminder")
    if request.method == "GET":
        if reminder.link_used_at is not None:
            return _page(request, "Already recorded", "Thank you, this dose was already recorded.")
        return _page(request, "Have you taken today's dose?",
                     f"Tap the button to let {reminder.clinic.name} know.", form={"button": "Yes, I have taken it"})
    try:
        services.dose_confirm_taken(reminder_id=reminder.pk)
    except LinkAlreadyUsed:
        return _page(request, "Already recorded", "Thank you, this dose was already recorded.", 409)
    except InvalidInput as exc:
        logger.info("a taken link for reminder %s was refused: %s", reminder.pk, exc)
        if "occurred_at" in exc.errors and reminder.event is not None:
            return _page(request, "Not yet",
                         f"This dose is due on {reminder.event.due_date:%A %d %B}. Please tap the button on that day, "
                         f"after taking it.", 409)
        return _page(request, "This dose could not be recorded",
                     f"{reminder.clinic.name} has already recorded this dose, or it is no longer planned. "
                     f"If something looks wrong, please tell the clinic.", 409)
    return _page(request, "Thank you", f"Your dose is recorded. {reminder.clinic.name} can see it.")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a button. POST (the button, or a mail client's RFC 8058 one-click): opt out at once."""
    try:
        patient_id, channel = unsubscribe_target(token)
    except signing.BadSignature:
        return _page(request, "This link is not valid", "Please check you copied the whole link.", 404)
    if channel not in CHANNEL_WORDS:
        return _page(request, "This link is not valid", "Please check you copied the whole link.", 404)
    words = CHANNEL_WORDS[channel]
    if request.method == "GET":
        return _page(request, f"Stop reminder {words}?", f"You will get no more reminder {words} from the clinic.",
                     form={"button": f"Stop reminder {words}"})
    try:
        if request.POST.get("action") == "resubscribe":
            services.resubscribe(patient_id=patient_id, channel=channel)
            return _page(request, "Reminders are back on", f"You will get reminder {words} again.")
        services.unsubscribe(patient_id=patient_id, channel=channel)
    except InvalidInput as exc:
        return _page(request, "This link is not valid", "; ".join(exc.errors.values()), 404)
    return _page(request, "You are unsubscribed", f"You will get no more reminder {words}. Changed your mind?",
                 form={"button": "Turn reminders back on", "action": "resubscribe"})


@csrf_exempt
@require_POST
def sms_inbound(request):
    backend = sms_backend()
    try:
        reply = backend.parse_inbound(request)
    except PermissionDenied:
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    if not reply.sender:
        return HttpResponse("From is required", status=400, content_type="text/plain")
    services.sms_reply_handle(sender=reply.sender, body=reply.body)
    return backend.inbound_response()


@csrf_exempt
@require_POST
def sms_status(request):
    """The gateway's delivery report for a text (Twilio's StatusCallback)."""
    backend = sms_backend()
    try:
        report = backend.parse_status(request)
    except PermissionDenied:
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    services.sms_delivery_report_record(
        provider_ref=report.provider_ref, status=report.status, error_code=report.error_code,
        bad_number_codes=backend.bad_number_codes, unsubscribed_codes=backend.unsubscribed_codes)
    return HttpResponse(status=204)


@require_GET
def calendar(request, token: str):
    prefs = PatientReminderPreferences.objects.select_related("patient__clinic").filter(calendar_token=token).first()
    if prefs is None:
        raise Http404("no such calendar")
    response = HttpResponse(patient_calendar(prefs.patient), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="plan.ics"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Robots-Tag"] = "noindex"
    return response
