"""Fixtures of the hostile-input corpus: see :mod:`hostile_kit`."""

from hostile_kit import hostile, inputs  # noqa: F401 - fixtures
