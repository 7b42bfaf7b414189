"""The composition root: binds the features to each other and to the app, once, at start.

Features never import each other's tasks or senders; what crosses feature lines at run time
(which task runs a job, which sender delivers an alert notice, which sweeps run when) is
wired here, so the import graph stays a tree.
"""

from __future__ import annotations

from flask import Flask

from echallan import scheduler
from echallan import tasks as pipeline_tasks
from echallan.audit import tasks as audit_tasks
from echallan.challans import delivery
from echallan.challans import tasks as challan_tasks
from echallan.clips import tasks as clip_tasks
from echallan.core import jobs
from echallan.devices import alerts
from echallan.devices import tasks as device_tasks

# Imported for their tasks' registration with Celery (a worker must know every task name).
TASK_MODULES = (clip_tasks, challan_tasks, audit_tasks, device_tasks, pipeline_tasks)


def wire(app: Flask) -> None:
    """Bind jobs to their tasks, alert channels to the outbox, and the sweeps to a schedule."""
    jobs.init_app(app)
    jobs.check_every_job_has_a_task()
    delivery.add_channels({channel: alerts.send_notice for channel in alerts.CHANNELS})
    scheduler.init_app(app)
