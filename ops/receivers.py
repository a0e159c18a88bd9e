"""Celery signals: sweep heartbeats, the task context of log lines, and task metrics.

Connected here, not in the tasks' modules, so the reminder and alert code needs no change to be
watched: a heartbeat hangs off the task's name (task_success), whatever the task's body becomes.
"""

import time

from celery import signals

from . import heartbeats, logcontext
from .metrics import observe_task

_beat = {"running": False}
_task_started: dict[str, float] = {}


@signals.task_success.connect(dispatch_uid="ops.heartbeat")
def record_sweep_heartbeat(sender=None, **kwargs) -> None:
    name = heartbeats.TASK_HEARTBEATS.get(getattr(sender, "name", ""))
    if name:
        heartbeats.heartbeat_record(name)


@signals.beat_init.connect(dispatch_uid="ops.beat_init")
@signals.beat_embedded_init.connect(dispatch_uid="ops.beat_embedded_init")
def record_beat_start(sender=None, **kwargs) -> None:
    _beat["running"] = True
    heartbeats.heartbeat_record(heartbeats.BEAT_STARTED)
    heartbeats.touch_beat_file()


@signals.after_task_publish.connect(dispatch_uid="ops.beat_published")
def record_beat_queued_sweep(sender=None, headers=None, body=None, **kwargs) -> None:
    """In the beat process: beat put the reminder sweep on the broker (helpers asked by a sweep don't count)."""
    if not _beat["running"] or heartbeats.TASK_HEARTBEATS.get(sender) != heartbeats.REMINDERS_SWEEP:
        return
    task_kwargs = body[1] if isinstance(body, (tuple, list)) and len(body) > 1 else {}
    if isinstance(task_kwargs, dict) and task_kwargs.get("helper"):
        return
    heartbeats.heartbeat_record(heartbeats.BEAT_QUEUED_REMINDERS_SWEEP)
    heartbeats.touch_beat_file()


@signals.task_prerun.connect(dispatch_uid="ops.task_prerun")
def bind_task_context(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra) -> None:
    logcontext.bind_task(task_id=task_id, task_name=getattr(task, "name", None),
                         clinic_id=logcontext.clinic_id_from_task_arguments(task, args, kwargs))
    if task_id:
        _task_started[task_id] = time.monotonic()


@signals.task_postrun.connect(dispatch_uid="ops.task_postrun")
def unbind_task_context(sender=None, task_id=None, task=None, state=None, **extra) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    observe_task(getattr(task, "name", "unknown"), str(state or "UNKNOWN").lower(),
                 time.monotonic() - started if started is not None else None)
    logcontext.unbind_task()
