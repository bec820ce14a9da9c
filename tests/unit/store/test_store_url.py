"""Where the store lives: --db, JACKWATCH_DB, the default data directory, and what URLs are accepted."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from sqlalchemy.engine import make_url

from jackwatch.errors import ConfigError
from jackwatch.store import open_store, redact_url, resolve_db_url
from jackwatch.store.url import normalize_db_url

PG = "postgresql+psycopg://jackwatch:s3cret-pw@db.internal:5432/jackwatch"


def test_flag_wins_over_environment(tmp_path: Path) -> None:
    url = resolve_db_url(str(tmp_path / "flag.db"), {"JACKWATCH_DB": str(tmp_path / "env.db")})
    assert url == f"sqlite:///{tmp_path / 'flag.db'}"


def test_environment_is_used_without_flag() -> None:
    assert resolve_db_url(None, {"JACKWATCH_DB": PG}) == PG


@pytest.mark.parametrize("env", [{}, {"JACKWATCH_DB": ""}, {"JACKWATCH_DB": "   "}])
def test_default_is_a_sqlite_file_in_the_user_data_dir(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    url = resolve_db_url(None, env)
    expected = Path(platformdirs.user_data_dir("jackwatch")) / "jackwatch.db"
    assert make_url(url).database == str(expected)
    assert expected.is_relative_to(tmp_path / "xdg")


def test_blank_flag_is_a_usage_error() -> None:
    with pytest.raises(ConfigError, match="--db is empty"):
        resolve_db_url("  ", {"JACKWATCH_DB": PG})


def test_relative_path_becomes_absolute_sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_db_url("data/findings.db", {}) == f"sqlite:///{tmp_path}/data/findings.db"


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert make_url(resolve_db_url("~/jw.db", {})).database == str(tmp_path / "jw.db")


def test_path_with_url_characters_survives(tmp_path: Path) -> None:
    path = tmp_path / "odd dir?#%20" / "jw.db"
    url = resolve_db_url(str(path), {})
    assert make_url(url).database == str(path)
    open_store(url).close()
    assert path.is_file()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////var/lib/jackwatch/jw.db", "sqlite:////var/lib/jackwatch/jw.db"),
        (PG, PG),
        ("postgresql://jackwatch:s3cret-pw@db.internal:5432/jackwatch", PG),
        ("postgres://jackwatch:s3cret-pw@db.internal:5432/jackwatch", PG),
        (
            "postgresql://postgres@127.0.0.1/test?options=-csearch_path%3Djw_1",
            "postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Djw_1",
        ),
    ],
)
def test_database_urls_are_accepted(given: str, expected: str) -> None:
    assert normalize_db_url(given) == expected
    assert resolve_db_url(given, {}) == expected


@pytest.mark.parametrize(
    "given",
    [
        "mysql://root:s3cret-pw@localhost/jackwatch",
        "postgresql+psycopg2://jackwatch:s3cret-pw@db.internal/jackwatch",
        "https://jackwatch:s3cret-pw@example.org/db",
        "post gres://jackwatch:s3cret-pw@db.internal/jackwatch",
        "postgresql://jackwatch:s3cret-pw@db.internal:notaport/jackwatch",
    ],
)
def test_other_urls_are_config_errors_without_the_password(given: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_db_url(None, {"JACKWATCH_DB": given})
    assert "s3cret-pw" not in str(caught.value)
    assert "URL" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (PG, "postgresql+psycopg://jackwatch:***@db.internal:5432/jackwatch"),
        ("sqlite:////tmp/jw.db", "sqlite:////tmp/jw.db"),
        ("post gres://jackwatch:s3cret-pw@db.internal/x", "post gres://jackwatch:***@db.internal/x"),
        ("post gres://db.internal/x", "post gres://db.internal/x"),
    ],
)
def test_redact_url_hides_only_the_password(given: str, expected: str) -> None:
    assert redact_url(given) == expected
