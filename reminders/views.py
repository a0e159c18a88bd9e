"""Public pages, no login: the "taken" link, unsubscribe, the SMS webhook, the calendar feed.

The pages speak the patient's language (or, for a link that names nobody, the browser's).

Each is authorised by what is in its URL (a signed token or a secret one) or, for the webhook,
by the gateway's signature. A link opened by a mail scanner changes nothing: GET only shows a
button; the change is a POST.
"""

import logging
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.errors import InvalidInput
from patients.models import Patient

from . import services
from .calendar_feed import patient_calendar
from .channels import sms_backend
from .language import day_label, in_language, patient_language
from .links import taken_reminder_id, unsubscribe_target
from .models import Channel, OptOut, PatientReminderPreferences, Reminder
from .services.public import LinkAlreadyUsed

logger = logging.getLogger(__name__)

UNSUBSCRIBE_CHANNELS = (Channel.EMAIL, Channel.SMS, OptOut.ALL)


def _page(request, title: str, text: str, status: int = 200, form: dict | None = None) -> HttpResponse:
    return render(request, "reminders/public/page.html", {"title": title, "text": text, "form": form},
                  status=status)


def _browser_language(request) -> str:
    """For a page about nobody we know (a broken link): the language the browser asks for, if offered."""
    return translation.get_language_from_request(request)


def _link_not_valid(request) -> HttpResponse:
    with in_language(_browser_language(request)):
        return _page(request, _("This link is not valid"), _("Please check you copied the whole link."), 404)


def _already_recorded(request, status: int = 200) -> HttpResponse:
    return _page(request, _("Already recorded"), _("Thank you, this dose was already recorded."), status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def taken(request, token: str):
    try:
        reminder_id = taken_reminder_id(token)
    except signing.SignatureExpired:
        reminder = _reminder(taken_reminder_id(token, max_age=None))
        known = reminder is not None and reminder.patient is not None
        with in_language(patient_language(reminder.patient, reminder.clinic) if known else _browser_language(request)):
            return _page(request, _("This link has expired"),
                         _("Links to confirm a dose work for a day. Please tell the clinic at your next visit."), 410)
    except signing.BadSignature:
        return _link_not_valid(request)
    reminder = _reminder(reminder_id)
    if reminder is None or reminder.patient is None:  # e.g. the patient's records were removed
        return _link_not_valid(request)
    with in_language(patient_language(reminder.patient, reminder.clinic)):
        return _taken(request, reminder)


def _reminder(reminder_id: int) -> Reminder | None:
    return Reminder.objects.select_related("clinic", "patient", "event").filter(pk=reminder_id).first()


def _taken(request, reminder: Reminder) -> HttpResponse:
    clinic = {"clinic": reminder.clinic.name}
    if request.method == "GET":
        if reminder.link_used_at is not None:
            return _already_recorded(request)
        return _page(request, _("Have you taken today's dose?"), _("Tap the button to let %(clinic)s know.") % clinic,
                     form={"button": _("Yes, I have taken it")})
    try:
        services.dose_confirm_taken(reminder_id=reminder.pk)
    except LinkAlreadyUsed:
        return _already_recorded(request, 409)
    except InvalidInput as exc:
        logger.info("a taken link for reminder %s was refused: %s", reminder.pk, exc)
        if "occurred_at" in exc.errors and reminder.event is not None:
            return _page(request, _("Not yet"),
                         _("This dose is due on %(day)s. Please tap the button on that day, after taking it.")
                         % {"day": day_label(reminder.event.due_date)}, 409)
        return _page(request, _("This dose could not be recorded"),
                     _("%(clinic)s has already recorded this dose, or it is no longer planned. "
                       "If something looks wrong, please tell the clinic.") % clinic, 409)
    return _page(request, _("Thank you"), _("Your dose is recorded. %(clinic)s can see it.") % clinic)


@dataclass(frozen=True)
class UnsubscribeWords:
    question: str
    consequence: str
    button: str
    done: str
    back_on: str


def _unsubscribe_words(channel: str) -> UnsubscribeWords:
    """What the unsubscribe page says about one channel (whole sentences, for the translators)."""
    if channel == Channel.EMAIL:
        return UnsubscribeWords(
            _("Stop reminder emails?"), _("You will get no more reminder emails from the clinic."),
            _("Stop reminder emails"), _("You will get no more reminder emails. Changed your mind?"),
            _("You will get reminder emails again."))
    if channel == Channel.SMS:
        return UnsubscribeWords(
            _("Stop reminder text messages?"), _("You will get no more reminder text messages from the clinic."),
            _("Stop reminder text messages"), _("You will get no more reminder text messages. Changed your mind?"),
            _("You will get reminder text messages again."))
    return UnsubscribeWords(
        _("Stop all reminders?"), _("You will get no more reminders from the clinic."), _("Stop all reminders"),
        _("You will get no more reminders. Changed your mind?"), _("You will get reminders again."))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a button. POST (the button, or a mail client's RFC 8058 one-click): opt out at once."""
    try:
        patient_id, channel = unsubscribe_target(token)
    except signing.BadSignature:
        return _link_not_valid(request)
    patient = Patient.objects.select_related("clinic").filter(pk=patient_id).first()
    if channel not in UNSUBSCRIBE_CHANNELS or patient is None:
        return _link_not_valid(request)
    with in_language(patient_language(patient)):
        words = _unsubscribe_words(channel)
        if request.method == "GET":
            return _page(request, words.question, words.consequence, form={"button": words.button})
        try:
            if request.POST.get("action") == "resubscribe":
                services.resubscribe(patient_id=patient_id, channel=channel)
                return _page(request, _("Reminders are back on"), words.back_on)
            services.unsubscribe(patient_id=patient_id, channel=channel)
        except InvalidInput:
            return _page(request, _("This link is not valid"), _("Please check you copied the whole link."), 404)
        return _page(request, _("You are unsubscribed"), words.done,
                     form={"button": _("Turn reminders back on"), "action": "resubscribe"})


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
