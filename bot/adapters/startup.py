"""Start-up of a platform connection: a bound on the first connection, and its failures in one line."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl

import aiohttp
import yarl

# Seconds the first connection (API answers, session open) may take before the bot gives up and exits.
# Later outages are retried for ever by the clients: only the start is bounded, where a wrong URL or a dead
# network would otherwise leave a silent process that never posts.
CONNECT_TIMEOUT = 30.0

CONNECTION_ERRORS = (aiohttp.ClientError, OSError)  # a refused or reset connection, DNS, TLS


def shown_url(url: str) -> str:
    """The URL without any user or password in it, for a message."""
    try:
        return str(yarl.URL(url).with_user(None))
    except (ValueError, TypeError):
        return "the configured URL"


def why(exc: BaseException) -> str:
    """A few words on why a connection failed, without the library's traceback."""
    cause = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(cause, socket.gaierror):
        return "host name not found"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, aiohttp.ClientSSLError) or isinstance(cause, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(exc, aiohttp.ServerDisconnectedError | ConnectionResetError):
        return "the server closed the connection"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "no answer in time"
    if isinstance(cause, OSError) and cause.strerror:
        return cause.strerror
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    return type(exc).__name__


class _CancelledJobs(logging.Filter):
    """Drops APScheduler's report of a job cancelled because the bot is stopping.

    Stopping shuts the scheduler down, which cancels a job still running (a competition check, a post);
    APScheduler logs that as a failed job with a CancelledError traceback. It is no error: the work is
    redone after the next start. Any other failure of a job is still logged as APScheduler logs it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        return not (kind is not None and issubclass(kind, asyncio.CancelledError))


def quiet_cancelled_jobs() -> None:
    """Install the filter above on APScheduler's executor log (once per process)."""
    executor_log = logging.getLogger("apscheduler.executors.default")
    if not any(isinstance(f, _CancelledJobs) for f in executor_log.filters):
        executor_log.addFilter(_CancelledJobs())
