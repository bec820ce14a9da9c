"""Where the finding store lives: ``--db``, ``JACKWATCH_DB`` or a SQLite file in the user's data directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from jackwatch.errors import ConfigError

ENV_VAR = "JACKWATCH_DB"
POSTGRESQL_DRIVER = "postgresql+psycopg"
_POSTGRESQL_ALIASES = frozenset({"postgresql", "postgres", POSTGRESQL_DRIVER})


def resolve_db_url(cli_value: str | None, env: Mapping[str, str]) -> str:
    """The store URL: the ``--db`` value, else ``JACKWATCH_DB``, else ``<user data dir>/jackwatch.db``.

    Plain file paths become absolute ``sqlite:///`` URLs; ``postgresql://`` and ``postgres://`` use the
    psycopg driver. Anything else raises :class:`ConfigError`.
    """
    if cli_value is not None:
        if not cli_value.strip():
            raise ConfigError("--db is empty: give a file path, sqlite:///… or postgresql+psycopg://…")
        return normalize_db_url(cli_value.strip())
    from_env = env.get(ENV_VAR, "").strip()
    if from_env:
        return normalize_db_url(from_env)
    return _sqlite_url(Path(user_data_dir("jackwatch")) / "jackwatch.db")


def normalize_db_url(value: str) -> str:
    """Turn a file path or a database URL into a URL jackwatch can open, or raise :class:`ConfigError`."""
    if "://" not in value:
        return _sqlite_url(Path(value).expanduser())
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        raise ConfigError(f"invalid database URL {redact_url(value)!r}") from None
    if url.drivername == "sqlite":
        return url.render_as_string(hide_password=False)
    if url.drivername in _POSTGRESQL_ALIASES:
        return url.set(drivername=POSTGRESQL_DRIVER).render_as_string(hide_password=False)
    raise ConfigError(
        f"unsupported database URL {redact_url(value)!r}: "
        "use a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )


def redact_url(value: str) -> str:
    """The URL with its password replaced by ``***``, safe to print."""
    try:
        return make_url(value).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme, sep, rest = value.partition("://")
        userinfo, at, host = rest.rpartition("@")
        if not (sep and at):
            return value
        user = userinfo.partition(":")[0]
        return f"{scheme}://{user}:***@{host}" if ":" in userinfo else value


def _sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path.resolve())).render_as_string()
