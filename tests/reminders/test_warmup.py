"""A starting worker loads what wording needs, so the first reminder of a sweep pays no one-off loading."""

import pytest
from celery.signals import worker_process_init, worker_ready
from django.utils.translation import trans_real

from reminders import language, links


@pytest.mark.parametrize("signal", [worker_ready, worker_process_init], ids=["worker", "pool process"])
def test_a_starting_worker_loads_every_languages_catalog_and_names_and_the_public_urls(signal, monkeypatch):
    monkeypatch.setattr(trans_real, "_translations", {})
    for cache in (language._locale, language._day_label, language._time_label):
        cache.cache_clear()
    links._path_around_token.cache_clear()
    signal.send(sender=None)
    assert {"en", "es", "pl"} <= set(trans_real._translations)
    assert language._locale.cache_info().currsize == 3
    assert links._path_around_token.cache_info().currsize == 3  # taken, unsubscribe, calendar
