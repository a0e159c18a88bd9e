"""A worker words its first message as fast as its thousandth.

What wording loads once per process — each offered language's catalog, its CLDR day and month
names, the public URLs (resolving them imports the URLconf) — is loaded when the worker starts,
not by the first reminder of a sweep, whose lease is already running.
"""

from datetime import date, datetime

from celery.signals import worker_process_init, worker_ready
from django.utils.translation import gettext

from clinics.languages import language_codes

from .language import day_label, in_language, time_label
from .links import calendar_url, taken_url, unsubscribe_url


def wording_warm_up() -> None:
    taken_url(0), unsubscribe_url(0, "email"), calendar_url("warm-up")
    for code in language_codes():
        with in_language(code):
            gettext("Reply STOP to opt out.")
            day_label(date.today()), time_label(datetime.now())


@worker_process_init.connect  # each child of a prefork pool
@worker_ready.connect  # the worker itself (solo and thread pools send there)
def _warm_up_on_worker_start(**kwargs) -> None:
    wording_warm_up()
