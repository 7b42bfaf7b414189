"""Database binding, with SQLite made safe for several threads and processes."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from echallan.core.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and tune SQLite connections."""
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Use WAL, a busy timeout, foreign keys, and transactions that take the write lock first.

    pysqlite's deferred BEGIN lets two transactions read the same "last" row and then collide
    on write; BEGIN IMMEDIATE serialises writers up front (SQLAlchemy's documented recipe), which
    the audit chain relies on. Safe-method requests (GET, HEAD) only read, so they begin
    deferred and never hold the write lock: in WAL mode readers and the writer do not block.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if _read_only_request() else "BEGIN IMMEDIATE")


def _read_only_request() -> bool:
    """Tell whether the current work is an HTTP request that must not change anything."""
    return has_request_context() and request.method in SAFE_METHODS
