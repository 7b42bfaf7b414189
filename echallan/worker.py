"""Entry point for scale-out workers: `celery -A echallan.worker worker`.

Workers share PostgreSQL and the evidence store with the web processes; set DATABASE_URL,
EVIDENCE_DIR, JOBS_MODE=celery and CELERY_BROKER_URL=redis://... the same way on every machine.
"""

from __future__ import annotations

from echallan import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
