"""Signals other apps (reminders, alerts) listen to. Sent inside the writing transaction."""

from django.dispatch import Signal

#: The plan of an enrollment changed. kwargs: enrollment.
plan_changed = Signal()
#: A clinical fact was recorded or marked entered-in-error. kwargs: patient, record.
clinical_record_changed = Signal()
