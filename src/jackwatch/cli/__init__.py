"""The ``jackwatch`` command line: parse, call the services, render, exit."""
