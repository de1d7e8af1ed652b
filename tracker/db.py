"""The database: one engine per app, one session per request, committed once when the request succeeds,
and one way to page through a list."""

from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, g, request
from sqlalchemy import BigInteger, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine


class ScaledDecimal(TypeDecorator):
    """An exact Decimal stored as a scaled integer, so SQLite and PostgreSQL sum it identically."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int = 2):
        super().__init__()
        self.places = places
        self.factor = Decimal(10) ** places

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * self.factor).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / self.factor).quantize(Decimal(1).scaleb(-self.places))


def make_engine(url: str, *, busy_timeout_seconds: float = 30) -> Engine:
    """Create the engine. SQLite: foreign keys on, WAL (readers never block the writer) and a busy
    timeout (several server processes wait for each other's write lock instead of failing with
    "database is locked"). PostgreSQL: dead connections are replaced, and a server that does not
    answer fails a connection attempt after a few seconds instead of hanging a worker."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url)
        busy_ms = int(busy_timeout_seconds * 1000)
        event.listen(engine, "connect", lambda conn, _r: _sqlite_pragmas(conn, busy_ms))
        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_pragmas(dbapi_connection, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_ms:d}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def init_app(app: Flask) -> None:
    app.extensions["engine"] = make_engine(
        app.config["DATABASE_URL"],
        busy_timeout_seconds=app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS", 30),
    )
    app.after_request(_commit_if_ok)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The request's session (created on first use); services flush, the request commits."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def _commit_if_ok(response):
    session = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close_session(_exc):
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


@dataclass(frozen=True)
class Page:
    """One page of a list: its number, rows per page and (once counted) the rows in all. Every
    paged list reads it from the request (?page=N) and the `pager` macro draws its links."""

    number: int = 1
    size: int = 50
    total: int = 0

    @classmethod
    def from_request(cls, size: int, *, largest: int | None = None) -> "Page":
        """?page=N (and ?per_page=M when `largest` allows the client to choose, up to it)."""
        number = max(1, request.args.get("page", 1, type=int) or 1)
        if largest is not None:
            size = min(largest, max(1, request.args.get("per_page", size, type=int) or size))
        return cls(number, size)

    def counted(self, total: int) -> "Page":
        return replace(self, total=total)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def url(self, number: int) -> str:
        """This list's address with every filter kept, at page `number`."""
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
        return f"{request.path}?{urlencode(args + [('page', number)])}"
