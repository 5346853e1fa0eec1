"""Chaotic attractors (Lorenz-63, Rössler): simulated series and their benchmark tasks.

- :mod:`~idff_ts.domains.attractors.simulate`: the systems (registry ``ATTRACTORS``) and
  :func:`~idff_ts.domains.attractors.simulate.simulate_attractor`;
- :mod:`~idff_ts.domains.attractors.tasks`: the ``lorenz63`` and ``rossler`` tasks.

Their data are plain labelled series, so the domain is the generic series domain with tasks:
it accepts no input of its own and its models carry no domain key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from idff_ts.domains.series import SeriesDomain

if TYPE_CHECKING:
    from idff_ts.tasks import Task


class AttractorsDomain(SeriesDomain):
    """The attractor tasks; training and forecasting are the generic series ones."""

    name = "attractors"
    priority = 0

    def owns_model(self, data_info: Mapping[str, Any]) -> bool:
        return False

    def model_info(self) -> dict[str, Any]:
        return {}

    def tasks(self) -> Iterable[Task]:
        from idff_ts.domains.attractors.tasks import ATTRACTOR_TASKS

        return ATTRACTOR_TASKS


__all__ = ["AttractorsDomain"]
