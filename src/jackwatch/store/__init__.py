"""The store of findings, assets and runs: SQLAlchemy Core tables and Alembic migrations, SQLite by default,
PostgreSQL too."""

from jackwatch.store.acceptances import Acceptance, AcceptReason
from jackwatch.store.assets import StoredAsset
from jackwatch.store.repository import Run, Store, open_store
from jackwatch.store.url import redact_url, resolve_db_url

__all__ = ["AcceptReason", "Acceptance", "Run", "Store", "StoredAsset", "open_store", "redact_url", "resolve_db_url"]
