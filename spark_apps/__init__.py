"""PySpark applications and the libraries they share (config, session, table I/O, transforms)."""

__version__ = "0.1.0"
