"""Detection: events through the compiled rules into aggregated, stable findings."""
