"""One bot per platform on a database: a lease taken before anything resumes, renewed while running.

Two processes serving the same platform from one SQLite file (a second container, an overlapping restart,
two terminals) would both resume, close and score the same rounds. So each start takes the platform's lease
in one transaction; a second process waits up to a lease length for the first to stop (its lease is
released on a clean stop and lapses after a crash), then refuses with one line. A holder on this machine
whose process is gone (SIGKILL, then a restart) is replaced at once. Different platforms never wait on each
other. `quizbot health` reads the same rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .core.errors import QuizError
from .settings import LEASE_SECONDS
from .shards import Shards
from .storage import Database
from .storage.lease import LeaseRow, NoLeaseTable, read_leases, release_lease, renew_lease, take_lease

if TYPE_CHECKING:
    from .storage.postgres.db import PgDatabase

log = logging.getLogger("quizbot")

_HELD: set[str] = set()  # owners this process holds now: a second start in one process is not "a dead one"


class LeaseHeldError(QuizError):
    """Another live process runs the same platform on this database."""


def _machine() -> str:
    """Where a pid means one process: this boot of this kernel and this pid namespace (a container has its
    own). Off Linux, the host name."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}"
    except OSError:
        return f"host:{socket.gethostname()}"


@dataclass(frozen=True)
class Me:
    """This process, as a lease names its holder."""

    host: str
    pid: int
    machine: str
    owner: str

    @classmethod
    def here(cls) -> Me:
        host, pid = socket.gethostname(), os.getpid()
        return cls(host, pid, _machine(), f"{host}:{pid}:{secrets.token_hex(4)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, run by someone else
        return True
    return True


def holder_gone(holder: LeaseRow, me: Me) -> bool:
    """True when the holder's process certainly no longer runs: same machine and pid namespace, and its pid
    is gone or is this process under another owner (a previous start, before a restart reused the pid).
    Elsewhere nothing is certain, and the lease has to lapse."""
    if holder.machine != me.machine:
        return False
    if holder.pid == me.pid:
        return holder.owner not in _HELD
    return not _alive(holder.pid)


def describe(holder: LeaseRow) -> str:
    shards = Shards.parse(holder.shards)
    return f"pid {holder.pid} on {holder.host}" + (f", {shards}" if shards is not None else "")


class _Table(Protocol):
    """Where leases are stored: SQLite keeps one row per platform, PostgreSQL one per process."""

    @property
    def where(self) -> str:
        """The database, as said to people."""
        ...

    async def take(self, wanted: LeaseRow, replaceable: Callable[[LeaseRow], bool]) -> LeaseRow | None: ...
    async def renew(self, owner: str, heartbeat: float, expires: float) -> bool: ...
    async def release(self, owner: str) -> bool: ...


@dataclass
class _SqliteTable:
    """One process per platform on a SQLite file."""

    db: Database
    platform: str

    @property
    def where(self) -> str:
        return str(self.db.path)

    async def take(self, wanted: LeaseRow, replaceable: Callable[[LeaseRow], bool]) -> LeaseRow | None:
        return await take_lease(self.db, wanted, replaceable)

    async def renew(self, owner: str, heartbeat: float, expires: float) -> bool:
        return await renew_lease(self.db, self.platform, owner, heartbeat, expires)

    async def release(self, owner: str) -> bool:
        return await release_lease(self.db, self.platform, owner)


@dataclass
class _PgTable:
    """Processes side by side on PostgreSQL, as long as they serve different communities (Discord shards)."""

    db: PgDatabase

    @property
    def where(self) -> str:
        from .storage.postgres.url import shown

        return shown(self.db.url)

    async def take(self, wanted: LeaseRow, replaceable: Callable[[LeaseRow], bool]) -> LeaseRow | None:
        from .storage.postgres.processes import take_process_lease

        return await take_process_lease(self.db, wanted, replaceable)

    async def renew(self, owner: str, heartbeat: float, expires: float) -> bool:
        from .storage.postgres.processes import renew_process_lease

        return await renew_process_lease(self.db, owner, heartbeat, expires)

    async def release(self, owner: str) -> bool:
        from .storage.postgres.processes import release_process_lease

        return await release_process_lease(self.db, owner)


class PlatformLease:
    """This process's lease on one platform (and, on PostgreSQL, on its shards): `take` it, keep it renewed,
    `release` it on a clean stop. `on_renewed` runs after each renewal (adopting a dead process's rounds)."""

    def __init__(
        self,
        table: _Table,
        platform: str,
        me: Me,
        seconds: float,
        on_lost: Callable[[], None] | None,
        shards: Shards | None = None,
    ) -> None:
        self.table, self.platform, self.me, self.seconds, self.shards = table, platform, me, seconds, shards
        self._on_lost = on_lost or _stop_this_process
        self._keeper: asyncio.Task[None] | None = None
        self.lost = False
        self.on_renewed: Callable[[], Awaitable[object]] | None = None

    @property
    def owner(self) -> str:
        return self.me.owner

    @classmethod
    async def take(
        cls,
        db: Database | PgDatabase,
        platform: str,
        *,
        seconds: float = LEASE_SECONDS,
        wait: float | None = None,
        on_lost: Callable[[], None] | None = None,
        shards: Shards | None = None,
    ) -> PlatformLease:
        """Take the platform's lease, waiting up to `wait` seconds (default: a lease length and a second,
        so a crashed holder's lease lapses meanwhile) for another holder to stop; LeaseHeldError after.
        `shards` (PostgreSQL only): the Discord shards this process serves; processes whose shards do not
        overlap hold leases side by side."""
        table: _Table = _SqliteTable(db, platform) if isinstance(db, Database) else _PgTable(db)
        if shards is not None and isinstance(db, Database):
            shards = None  # one process per platform on a SQLite file, whatever its shards
        lease = cls(table, platform, Me.here(), seconds, on_lost, shards)
        deadline = time.monotonic() + (seconds + 1 if wait is None else wait)
        said = False
        while True:
            holder = await lease._try()
            if holder is None:
                break
            if time.monotonic() >= deadline:
                raise LeaseHeldError(lease._refusal(holder))
            if not said:
                log.warning("waiting for the other quizbot (%s) to stop", describe(holder))
                said = True
            await asyncio.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        _HELD.add(lease.me.owner)
        lease._keeper = asyncio.get_running_loop().create_task(lease._keep(), name=f"lease {platform}")
        on = f" for {lease.shards}" if lease.shards is not None else ""
        log.info("holding the %s lease%s on %s", platform, on, table.where)
        return lease

    def _refusal(self, holder: LeaseRow) -> str:
        where = self.table.where
        if isinstance(self.table, _SqliteTable):
            return (
                f"another quizbot ({describe(holder)}) is running {self.platform} on {where}; "
                "stop it first, or set QUIZBOT_DB to another file"
            )
        return (
            f"another quizbot ({describe(holder)}) serves {self.platform} on {where}; processes of one "
            "platform share a database only as Discord shards with the same --shard-count and different "
            "--shard-ids"
        )

    async def _try(self) -> LeaseRow | None:
        now = time.time()
        me = self.me
        shards = self.shards.text if self.shards is not None else ""
        wanted = LeaseRow(
            self.platform, me.owner, me.host, me.pid, me.machine, now, now, now + self.seconds, shards
        )
        return await self.table.take(wanted, lambda holder: holder.expires <= now or holder_gone(holder, me))

    async def _keep(self) -> None:
        """Renew every third of the lease; a missed renewal is retried, a lost lease stops this bot."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            now = time.time()
            try:
                held = await self.table.renew(self.me.owner, now, now + self.seconds)
            except Exception:  # a locked or busy file: the next renewal may do
                log.warning("could not renew the %s lease; trying again", self.platform, exc_info=True)
                continue
            if not held:
                self.lost = True
                log.error(
                    "another quizbot took over %s on %s (this one missed its renewals); stopping",
                    self.platform,
                    self.table.where,
                )
                self._on_lost()
                return
            if self.on_renewed is not None:
                try:
                    await self.on_renewed()
                except Exception:  # a busy database: the next renewal tries again
                    log.warning("after renewing the %s lease", self.platform, exc_info=True)

    async def release(self) -> None:
        """Stop renewing and give the lease up (after the last write), so the next start need not wait."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        _HELD.discard(self.me.owner)
        if self.lost:
            return
        try:
            await self.table.release(self.me.owner)
        except Exception:  # the lease lapses by itself; the stop goes on
            log.warning("could not release the %s lease; it lapses by itself", self.platform, exc_info=True)


def _stop_this_process() -> None:
    """Stop as `kill` does: every run mode handles SIGTERM as a clean stop."""
    signal.raise_signal(signal.SIGTERM)


def _pg_leases(url: str) -> list[LeaseRow]:
    """Every process row of a PostgreSQL database (read only; nothing is migrated)."""
    from .storage.postgres.processes import read_process_rows

    rows = asyncio.run(read_process_rows(url))
    if rows is None:
        raise NoLeaseTable(url)
    return rows


def health(
    path: Path | str, platform: str | None, *, local: bool = False, now: float | None = None
) -> tuple[bool, str]:
    """(healthy, one line): a live lease for `platform` (or any) whose heartbeat is fresh, held by a running
    process where that can be checked. `local`: only holders on this machine and pid namespace. `path`: the
    SQLite file, or a PostgreSQL URL (where every process holds a lease of its own)."""
    now = time.time() if now is None else now
    where = path
    try:
        if isinstance(path, str):
            from .storage.postgres.url import shown

            where = shown(path)
            rows = _pg_leases(path)
        else:
            rows = read_leases(path)
    except FileNotFoundError:
        return False, f"unhealthy: no database at {where}"
    except NoLeaseTable:
        return False, f"unhealthy: {where} has no bot leases (no quizbot has run on it since leases came)"
    except Exception as exc:  # a server that is down or refuses us: that is the answer, in one line
        return False, f"unhealthy: cannot read {where}: {type(exc).__name__}: {exc}"
    me = Me.here()
    rows = [r for r in rows if platform in (None, r.platform) and (not local or r.machine == me.machine)]
    what = f"{platform or 'any platform'}{' on this machine' if local else ''}"
    if not rows:
        return False, f"unhealthy: no quizbot holds a lease for {what} on {where}"
    problems = []
    for r in rows:
        age = now - r.heartbeat
        fresh = age <= (r.expires - r.heartbeat) * 2 / 3  # at most one renewal late
        if r.expires <= now or not fresh:
            problems.append(f"{r.platform} bot ({describe(r)}) last renewed its lease {age:.0f}s ago")
        elif r.machine == me.machine and not _alive(r.pid):
            problems.append(f"{r.platform} bot ({describe(r)}) is not running")
        else:
            return True, f"healthy: {r.platform} bot ({describe(r)}), lease renewed {age:.0f}s ago"
    return False, "unhealthy: " + "; ".join(problems)


def health_command(db_path: Path | str, platform: str | None, *, local: bool) -> int:
    """`quizbot health`: print the one line and return the exit code (0 healthy, 1 not)."""
    ok, line = health(db_path, platform, local=local)
    print(line)
    return 0 if ok else 1
