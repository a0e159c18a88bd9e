from .administrations import administration_mark_entered_in_error, administration_record
from .enrollments import enrollment_create, enrollment_end_phase, enrollment_preview, enrollment_stop
from .labs import lab_result_mark_entered_in_error, lab_result_record
from .patients import patient_create, patient_details_update, patient_update
from .schedule import enrollment_replan

__all__ = [
    "administration_mark_entered_in_error",
    "administration_record",
    "enrollment_create",
    "enrollment_end_phase",
    "enrollment_preview",
    "enrollment_replan",
    "enrollment_stop",
    "lab_result_mark_entered_in_error",
    "lab_result_record",
    "patient_create",
    "patient_details_update",
    "patient_update",
]
