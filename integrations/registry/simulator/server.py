"""Serve a WSGI app on loopback in a background thread (tests, bench, demos)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """A request handler that does not log every request (benchmarks would measure logging)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for successful requests."""


def run_in_thread(
    app: Callable, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> tuple[str, Callable[[], None]]:
    """Start a threaded werkzeug server (port 0: any free one); return its URL and a stopper."""
    handler = QuietRequestHandler if quiet else WSGIRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    def stop() -> None:
        """Stop accepting, close the listening socket and wait for the thread."""
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://{host}:{server.server_port}", stop
