"""Failed logins, throttled per account and per address.

The first few failures in a row cost nothing; after them every further
attempt on that account, or from that address, must wait a delay that
doubles with each failure (2 s, 4 s, 8 s … up to 15 minutes). An attempt
made before the delay is over is refused without the password being
checked. Every failure and every refusal is logged (logger
``minutes.review``). A successful login clears the account's and the
address's counts. The counts live in the database (``login_failures``), so
every process serving the page shares them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.store.models import LoginFailure, now

log = logging.getLogger("minutes.review")

FREE_FAILURES = 3  # failures in a row before any delay
BASE_DELAY = 2.0  # seconds after the first failure past the free ones; doubles with each
MAX_DELAY = 15 * 60.0


def delay_after(failures: int) -> float:
    """Seconds to wait after ``failures`` failures in a row."""
    if failures <= FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, BASE_DELAY * 2 ** (failures - FREE_FAILURES - 1))


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _subjects(account: str, address: str | None) -> list[tuple[str, str]]:
    out = [("account", account.strip().casefold()[:256])]
    if address:
        out.append(("address", address[:256]))
    return out


def _row(session: Session, scope: str, subject: str) -> LoginFailure | None:
    return session.scalar(select(LoginFailure).where(LoginFailure.scope == scope, LoginFailure.subject == subject))


def wait_left(session: Session, account: str, address: str | None) -> float:
    """Seconds before the next attempt on ``account`` from ``address`` may be made (0: now)."""
    left = 0.0
    t = now()
    for scope, subject in _subjects(account, address):
        row = _row(session, scope, subject)
        if row is not None:
            until = _aware(row.last_failure) + timedelta(seconds=delay_after(row.failures))
            left = max(left, (until - t).total_seconds())
    return left


def record_failure(session: Session, account: str, address: str | None) -> float:
    """Count a failed login; returns the delay before the next attempt. The caller commits."""
    counts = {}
    for scope, subject in _subjects(account, address):
        row = _row(session, scope, subject)
        if row is None:
            try:
                with session.begin_nested():
                    row = LoginFailure(scope=scope, subject=subject, failures=0, last_failure=now())
                    session.add(row)
                    session.flush()
            except IntegrityError:  # another process counted the first failure meanwhile
                row = _row(session, scope, subject)
        row.failures += 1
        row.last_failure = now()
        counts[scope] = row.failures
    session.flush()
    wait = delay_after(max(counts.values()))
    log.warning("failed login for account %r from %s (%d in a row for the account, %s for the address); "
                "next attempt allowed in %.0f s", account, address or "?", counts["account"],
                counts.get("address", "-"), wait)
    return wait


def refused(account: str, address: str | None, wait: float) -> None:
    log.warning("login attempt for account %r from %s refused: %.0f s of delay left after failed logins",
                account, address or "?", wait)


def clear(session: Session, account: str, address: str | None) -> None:
    """A successful login: the account's and the address's counts start again."""
    for scope, subject in _subjects(account, address):
        row = _row(session, scope, subject)
        if row is not None:
            session.delete(row)
    session.flush()
