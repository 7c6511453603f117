"""Plain functions that do the work: they add, flush and log, and never commit."""
