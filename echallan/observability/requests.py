"""Every request timed into a histogram and tagged with a request id, which the logs carry.

The id comes from the caller's X-Request-Id (a proxy's or a partner's, so one id follows a
request through every system) when it is a sane token, else a new one; it is sent back in
the response's X-Request-Id and put on every log record written while the request runs.

The latency histogram lives in process memory. Under gunicorn with several workers set
PROMETHEUS_MULTIPROC_DIR (an empty folder per start) and /metrics adds up every worker's
files (prometheus_client's multiprocess mode); without it each process reports its own.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import Histogram

REQUEST_ID_HEADER = "X-Request-Id"
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # no spaces, quotes or newlines in logs
# Web latencies: sub-10 ms pages up to slow clip uploads (minutes on a 4G link).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
UNMATCHED = "<unmatched>"  # every 404 path in one series: paths are not labels

REQUEST_SECONDS = Histogram(
    "echallan_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route pattern and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=None,  # registered into each scrape's registry by /metrics
)


def request_id() -> str | None:
    """Return the current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    """Take the caller's request id or make one, and start the clock."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if SANE_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    """Send the request id back and time the request under its route pattern."""
    if "request_id" not in g:  # a response made before our hook ran (an early abort)
        return response
    response.headers[REQUEST_ID_HEADER] = g.request_id
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    elapsed = time.perf_counter() - g.request_started
    REQUEST_SECONDS.labels(request.method, route, str(response.status_code)).observe(elapsed)
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add `request_id` to the record; never drop it."""
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id()
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes to whatever sys.stderr is now (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        """Ignore the stream StreamHandler.__init__ sets."""


def json_handler(stream: object = None) -> logging.Handler:
    """A handler writing JSON lines (to the current stderr by default) with request ids."""
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()  # type: ignore[arg-type]
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.set_name("echallan-json")
    return handler


def _install_json_logs(level: str) -> None:
    """Log JSON lines from the root logger, once per process (create_app may run many times)."""
    root = logging.getLogger()
    if any(h.get_name() == "echallan-json" for h in root.handlers):
        return
    for handler in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(handler)  # a plain text handler (basicConfig's) would log twice
    root.addHandler(json_handler())
    root.setLevel(level)


def init_app(app: Flask) -> None:
    """Time and tag every request; log JSON lines unless LOG_FORMAT=text."""
    app.before_request(_start)
    app.after_request(_finish)
    if str(app.config.get("LOG_FORMAT", "json")).lower() == "json":
        _install_json_logs(app.config.get("LOG_LEVEL", "INFO"))
