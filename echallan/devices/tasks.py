"""Celery task for device health: the offline sweep (beat runs it every SWEEP_DEVICES_PERIOD_S)."""

from __future__ import annotations

from typing import Any

from echallan.core import clock, deps
from echallan.core.jobs import celery
from echallan.core.uow import unit_of_work
from echallan.devices import sweep as device_sweep


@celery.task(name="echallan.sweep_devices")
def sweep_devices() -> dict[str, Any]:
    """Evaluate offline and no-frames over every device and reconcile the alerts."""

    with unit_of_work():
        return device_sweep.sweep_offline(deps.current().settings, clock.now()).as_dict()
