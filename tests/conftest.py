"""Suite-wide fixtures: ``db_url`` runs store-backed tests on SQLite and on PostgreSQL."""

pytest_plugins = ["tests.store_backends"]
