"""Suite-wide fixtures: ``db_url`` runs store-backed tests on SQLite and on PostgreSQL. Hypothesis runs without
deadlines: the suite makes no timing assertions (a first example that loads a catalogue or compiles rules is slow
on a loaded machine, not wrong)."""

from hypothesis import settings

pytest_plugins = ["tests.store_backends"]

settings.register_profile("jackwatch", deadline=None)
settings.load_profile("jackwatch")
