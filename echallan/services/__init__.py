"""Use cases: verbs that take values and the session, flush, and leave committing to the caller."""
