"""The law as pure functions: no I/O, no framework, only values in and values out."""
