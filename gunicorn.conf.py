"""Gunicorn settings for `gunicorn wsgi:app`, each overridable from the environment.

Clip uploads are the long requests: a camera on a 4G link may take a minute or two to send a
200 MB clip. Threaded workers (gthread) keep one slow upload from holding a whole process, and
the timeout is long enough for the upload but still kills a worker that hangs. Put a buffering
proxy (nginx) in front so the slow part of an upload happens there, not in a worker.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    """Read an integer setting from the environment."""
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# Seconds a worker may stay silent (an upload being read counts as busy) before it is killed.
timeout = _int("GUNICORN_TIMEOUT", 300)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 60)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then: the ONNX runtimes they load hold memory for their life.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
accesslog = "-"  # stdout: journald (or docker) keeps the log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The runtime control socket (gunicornc, gunicorn 25.1+) only where asked for: its default
# path under $HOME is shared by every gunicorn of the user and absent for a system service.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
