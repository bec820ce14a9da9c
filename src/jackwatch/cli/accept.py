"""``jackwatch accept``: accept the risk of a finding (why, who, until when), list the acceptances, revoke one.

Accepted findings drop out of ``jackwatch risks`` and ``jackwatch paths`` until the acceptance expires or is revoked;
``findings`` and the scans still show them. Every decision is kept in the store (``acceptances``) for auditors.
"""

from __future__ import annotations

import getpass
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jackwatch.cli.common import DbOption, OutputOption, output_stream, store_at
from jackwatch.errors import ConfigError
from jackwatch.model import Finding
from jackwatch.outputs.serialize import iso
from jackwatch.outputs.table import PLAIN_WIDTH
from jackwatch.rules.stateful import parse_duration
from jackwatch.store import Acceptance, AcceptReason, Store

MIN_PREFIX = 6
"""The shortest finding id prefix taken."""


class AcceptFormat(StrEnum):
    """How ``--list`` is written."""

    TABLE = "table"
    JSON = "json"


def accept(
    finding: str | None = typer.Argument(None, metavar="FINDING_ID", help="The finding (its id, or a prefix)."),
    reason: AcceptReason | None = typer.Option(
        None, "--reason", help="owned, transferred, avoided, mitigated, not_relevant or custom.", case_sensitive=False
    ),
    note: str | None = typer.Option(None, "--note", help="Details for auditors (required with --reason custom)."),
    expires: str | None = typer.Option(
        None, "--expires", metavar="30d|DATE", help="Until when: a duration (30d, 12h, 2w) or a date/time (UTC)."
    ),
    by: str | None = typer.Option(None, "--by", metavar="NAME", help="Who accepts (default: the OS user)."),
    list_them: bool = typer.Option(False, "--list", help="List the acceptances in force (of FINDING_ID when given)."),
    everything: bool = typer.Option(False, "--all", help="With --list: revoked and expired decisions too."),
    revoke: bool = typer.Option(False, "--revoke", help="Revoke the acceptance of FINDING_ID."),
    fmt: AcceptFormat = typer.Option(
        AcceptFormat.TABLE, "--format", "-f", help="table or json (for --list).", case_sensitive=False
    ),
    output: Path | None = OutputOption,
    db: str | None = DbOption,
) -> int:
    """Accept the risk of a finding: it drops out of risks and attack paths until the acceptance expires or is
    revoked. The reason, the note, who accepted and when are kept in the store.

    jackwatch accept 3fa2c1d0 --reason mitigated --note "WAF rule 1042" --expires 30d;
    jackwatch accept --list; jackwatch accept 3fa2c1d0 --revoke.
    """
    now = datetime.now(UTC)
    who = by or _os_user()
    if list_them and revoke:
        raise ConfigError("--list and --revoke are separate actions: give one")
    with store_at(db) as store:
        if list_them:
            ids = None if finding is None else [_resolve(store, finding).id]
            found = store.acceptances(finding_ids=ids, everything=everything)
            _write_list(found, fmt, output, now, store.url)
            return 0
        if finding is None:
            raise ConfigError("give the id of the finding to accept (or --list)")
        target = _resolve(store, finding)
        if revoke:
            if reason is not None or expires is not None or note is not None:
                raise ConfigError("--revoke takes only the finding (and --by)")
            revoked = store.revoke_acceptance(target.id, by=who)
            message = (
                f"Revoked the acceptance of {_about(target)}." if revoked else f"{_about(target)} is not accepted."
            )
            typer.echo(message)
            return 0
        if reason is None:
            raise ConfigError("--reason is required: owned, transferred, avoided, mitigated, not_relevant or custom")
        if reason is AcceptReason.CUSTOM and not (note and note.strip()):
            raise ConfigError("--reason custom needs a --note saying why")
        until = parse_expiry(expires, now)
        made = store.accept(target.id, reason, by=who, note=note.strip() if note else None, expires=until)
    ending = f" until {iso(made.expires_at)}" if made.expires_at else " with no expiry"
    typer.echo(f"Accepted {_about(target)}: {made.reason}, by {made.accepted_by}{ending}.")
    return 0


def parse_expiry(text: str | None, now: datetime) -> datetime | None:
    """``30d`` (from now), ``2026-12-31`` (through that day, UTC), ``2026-12-31T12:00:00Z``; ``None`` for none.
    A time already past, or a value that is neither, is a :class:`ConfigError`."""
    if text is None:
        return None
    value = text.strip()
    try:
        span = parse_duration(value)
    except ValueError:
        span = None
    if span is not None:
        if span <= timedelta(0):
            raise ConfigError(f"--expires {text!r}: the duration must be positive")
        return now + span
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"--expires {text!r} is neither a duration (30d, 12h) nor a date (2026-12-31)") from None
    if len(value) == 10:  # a date: the acceptance lasts through that day
        moment += timedelta(days=1)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment <= now:
        raise ConfigError(f"--expires {text!r} is already past")
    return moment


def _resolve(store: Store, prefix: str) -> Finding:
    """The one stored finding whose id starts with ``prefix``."""
    wanted = prefix.strip().lower()
    if len(wanted) < MIN_PREFIX:
        raise ConfigError(f"finding id {prefix!r}: give at least {MIN_PREFIX} characters")
    found = store.findings_with_prefix(wanted)
    if not found:
        raise ConfigError(f"no finding {prefix!r} in {store.url}")
    if len(found) > 1:
        raise ConfigError(f"finding id {prefix!r} is ambiguous: give more characters")
    return found[0]


def _about(finding: Finding) -> str:
    return f"{finding.id[:12]} ({finding.rule_id} on {finding.subject})"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "unknown"


def _write_list(found: Sequence[Acceptance], fmt: AcceptFormat, output: Path | None, now: datetime, url: str) -> None:
    stats = {"acceptances": len(found), "store": url}
    with output_stream(output) as stream:
        if fmt is AcceptFormat.JSON:
            body = {"acceptances": [acceptance_dict(item, now) for item in found], "stats": stats}
            stream.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        else:
            stream.write(_table(found, stats, now, color=output is None and stream.isatty()).encode())


def acceptance_dict(acceptance: Acceptance, now: datetime) -> dict[str, Any]:
    """An acceptance as JSON data, with its state now."""
    return {
        "finding_id": acceptance.finding_id,
        "reason": str(acceptance.reason),
        "note": acceptance.note,
        "accepted_by": acceptance.accepted_by,
        "accepted_at": iso(acceptance.accepted_at),
        "expires_at": None if acceptance.expires_at is None else iso(acceptance.expires_at),
        "revoked_by": acceptance.revoked_by,
        "revoked_at": None if acceptance.revoked_at is None else iso(acceptance.revoked_at),
        "state": acceptance.state(now),
    }


def _table(found: Sequence[Acceptance], stats: Mapping[str, Any], now: datetime, *, color: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=None if color else PLAIN_WIDTH)
    if found:
        table = Table(title="Accepted risks")
        for column in ("finding", "reason", "note", "by", "accepted (UTC)", "expires (UTC)", "state"):
            table.add_column(column, overflow="fold")
        for item in found:
            table.add_row(
                item.finding_id[:12],
                str(item.reason),
                escape(item.note or ""),
                escape(item.accepted_by),
                iso(item.accepted_at)[:16].replace("T", " "),
                iso(item.expires_at)[:16].replace("T", " ") if item.expires_at else "never",
                item.state(now),
            )
        console.print(table)
    else:
        console.print("No accepted risks.")
    console.print(escape(f"{stats['acceptances']} acceptance(s) in {stats['store']}"), highlight=False)
    return buffer.getvalue()
