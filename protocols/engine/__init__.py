"""The schedule engine: pure Python, no Django. Protocol data + what happened -> dated events."""

from .calendar import ClinicCalendar, add_months, add_period, format_weekdays, local_instant, parse_weekdays
from .definition import DefinitionError, ProtocolDefinition
from .plan import LabValue, Outcome, PhaseSpan, Plan, PlanInput, PlannedEvent, PlanOptions, PlanTooLong, plan

__all__ = [
    "ClinicCalendar",
    "DefinitionError",
    "LabValue",
    "Outcome",
    "Plan",
    "PlanInput",
    "PlanOptions",
    "PlanTooLong",
    "PlannedEvent",
    "PhaseSpan",
    "ProtocolDefinition",
    "add_months",
    "add_period",
    "format_weekdays",
    "local_instant",
    "parse_weekdays",
    "plan",
]
