"""Evaluate the alert rules when clinical facts change (inside the writing transaction).

A failing rule must never lose the clinical record being written: its work runs in a savepoint
and an error is logged loudly instead of propagating.
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from patients.signals import clinical_record_changed, plan_changed

from .rules import evaluate_patient

logger = logging.getLogger(__name__)


def _evaluate(patient, record=None) -> None:
    try:
        with transaction.atomic():
            evaluate_patient(patient, record=record)
    except Exception:
        logger.exception("alert rules failed for patient %s", patient.pk)


@receiver(clinical_record_changed, dispatch_uid="alerts-on-clinical-record")
def on_clinical_record_changed(sender, patient, record, **kwargs):
    _evaluate(patient, record)


@receiver(plan_changed, dispatch_uid="alerts-on-plan-changed")
def on_plan_changed(sender, enrollment, **kwargs):
    _evaluate(enrollment.patient)
