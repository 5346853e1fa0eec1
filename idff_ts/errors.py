"""Exceptions raised by idff_ts.

Every user-facing error derives from :class:`IdffError`; its message says what was expected,
what was found and how to fix it. The CLI prints the message on one line and exits non-zero.
"""

from __future__ import annotations


class IdffError(Exception):
    """Base class of every error idff_ts raises on bad input."""


class DataError(IdffError):
    """Input data are missing, malformed or inconsistent (file, variable, dims, NaNs, length)."""


class ConfigError(IdffError):
    """A configuration value is out of range or inconsistent with another."""


class CheckpointError(IdffError):
    """A checkpoint is missing, corrupted (hash mismatch) or incompatible with the data."""


class UsageError(IdffError):
    """The command line is incomplete or contradictory (CLI exit code 2, like a bad flag)."""


class OutputExistsError(DataError):
    """An output exists and the command was not told to replace it (CLI: ``--overwrite``)."""


class ResourceError(ConfigError):
    """A request that cannot fit (memory), refused before anything is allocated."""
