"""The production entry point: `gunicorn wsgi:app` (gunicorn.conf.py beside it is read too).

ECHALLAN_ENV defaults to `production` here, not `development`: a server started without it
refuses to run without its secrets and PostgreSQL instead of quietly serving an SQLite file
with a public secret key. Every other setting comes from the environment (echallan/config.py,
deploy/echallan.env.example).
"""

from __future__ import annotations

import os

os.environ.setdefault("ECHALLAN_ENV", "production")

from echallan import create_app  # noqa: E402 - the default above must be set first

app = create_app()
