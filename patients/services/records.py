from django.utils import timezone

from ..errors import InvalidInput
from .bounds import check_text


def record_mark_entered_in_error(model, pk: int, *, actor, reason: str):
    """Mark an append-only clinical record wrong, with who and why. Call inside a transaction."""
    if not (reason or "").strip():
        raise InvalidInput({"reason": "a reason is required"})
    try:
        check_text(model, error_reason=reason.strip())
    except InvalidInput as exc:
        raise InvalidInput({"reason": exc.errors["error_reason"]}) from None
    record = model.objects.select_for_update().get(pk=pk)
    if record.entered_in_error:
        raise InvalidInput({model._meta.model_name: "is already marked entered-in-error"})
    record.entered_in_error = True
    record.error_reason = reason.strip()
    record.error_by = actor
    record.error_at = timezone.now()
    record._history_user = actor
    record.save(update_fields=sorted(model.ERROR_FIELDS))
    return record
