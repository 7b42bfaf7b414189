"""Serve a WSGI app on loopback in a background thread (tests, bench, demos).

The server can also stop listening for a while and come back on the same port, which is how the
registry simulator's `outage: "refuse"` switch produces real "connection refused" errors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

SIMULATOR_EXTENSION = "registry_simulator"


class QuietRequestHandler(WSGIRequestHandler):
    """A request handler that does not log every request (benchmarks would measure logging)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log nothing for successful requests."""


class RestartableServer:
    """A threaded werkzeug server that can refuse connections for a while, then listen again."""

    def __init__(self, app: Callable, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
        self.app, self.host = app, host
        self._handler = QuietRequestHandler if quiet else WSGIRequestHandler
        self._lock = threading.Lock()
        self._stopped = False
        self._server: BaseWSGIServer | None = self._make(port)
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None
        state = getattr(app, "extensions", {}).get(SIMULATOR_EXTENSION)
        if state is not None:
            state.refuse_for = self.refuse_for  # lets POST /_faults close the listening socket

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Serve in a daemon thread."""
        server = self._server
        if server is None:
            return
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def refuse_for(self, seconds: float) -> None:
        """Close the listening socket now and reopen it on the same port after `seconds`."""
        threading.Thread(target=self._refuse, args=(seconds,), daemon=True).start()

    def stop(self) -> None:
        """Stop for good."""
        with self._lock:
            self._stopped = True
            self._close()

    def wait(self) -> None:
        """Block until stopped (or interrupted); for the command line."""
        while not self._stopped:
            time.sleep(0.2)

    def _refuse(self, seconds: float) -> None:
        """Stop listening, wait, and listen again unless stopped meanwhile."""
        with self._lock:
            self._close()
        time.sleep(seconds)
        with self._lock:
            if not self._stopped:
                self._server = self._make(self.port)
                self.start()

    def _close(self) -> None:
        """Shut the current server down and release its socket (call with the lock held)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _make(self, port: int) -> BaseWSGIServer:
        """Bind a threaded server to the port (0: any free one)."""
        return make_server(self.host, port, self.app, threaded=True, request_handler=self._handler)


def run_in_thread(
    app: Callable, host: str = "127.0.0.1", port: int = 0, quiet: bool = True
) -> tuple[str, Callable[[], None]]:
    """Start a threaded werkzeug server (port 0: any free one); return its URL and a stopper."""
    server = RestartableServer(app, host, port, quiet)
    server.start()
    return server.url, server.stop
