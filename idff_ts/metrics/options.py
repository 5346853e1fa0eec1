"""The options every metric shares, checked in one place (evaluation.md §1).

``estimator`` (``"ecdf"`` or ``"fair"``) picks the CRPS / energy-score estimator,
``nan_policy`` how missing members count (``"propagate"``, ``"omit"``: scored on the valid
members, which are counted; ``"raise"``: refused), ``distance`` the difference used
(``"circular"``: wrapped on a circle of circumference ``period``, for angles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from idff_ts.errors import ConfigError

Estimator = Literal["ecdf", "fair"]
NanPolicy = Literal["propagate", "omit", "raise"]
Distance = Literal["absolute", "circular"]

ESTIMATORS: tuple[str, ...] = ("ecdf", "fair")
NAN_POLICIES: tuple[str, ...] = ("propagate", "omit", "raise")


def check_options(estimator: str, nan_policy: str, distance: str | None) -> bool:
    """Validate the shared options; return True for circular distance."""
    if estimator not in ESTIMATORS:
        raise ConfigError(f"estimator must be one of {ESTIMATORS}, found {estimator!r}")
    if nan_policy not in NAN_POLICIES:
        raise ConfigError(f"nan_policy must be one of {NAN_POLICIES}, found {nan_policy!r}")
    if distance not in (None, "absolute", "circular"):
        raise ConfigError(f"distance must be None, 'absolute' or 'circular', found {distance!r}")
    return distance == "circular"


@dataclass(frozen=True)
class ScoreOptions:
    """How a metric reads an ensemble: its member dim, distance and NaN policy (validated).

    ``member_dim=None`` marks a deterministic forecast (no member dim).
    """

    member_dim: str | None = "member"
    distance: Distance | None = None
    period: float = 360.0
    nan_policy: NanPolicy = "propagate"

    def __post_init__(self) -> None:
        check_options("ecdf", self.nan_policy, self.distance)

    @property
    def circular(self) -> bool:
        """True when differences are wrapped on the circle."""
        return self.distance == "circular"
