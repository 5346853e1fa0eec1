"""Annual harmonics of the day-of-year slot for
:class:`~idff_ts.domains.sst.climatology.HarmonicClimatology`: the shared seasonal implementation
(:mod:`idff_ts.data.seasonal`, also used by every calendar series) with SST's 366 slots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from idff_ts.data import seasonal
from idff_ts.data.seasonal import weighted_lstsq
from idff_ts.domains.sst.dyffusion.moments import N_SLOTS


def harmonic_basis(slots: np.ndarray | Sequence[int], n_harmonics: int) -> np.ndarray:
    """``(n, 2H + 1)`` float64 basis ``[1, cos θ, sin θ, …, cos Hθ, sin Hθ]``, ``θ = 2π(s−1)/366``
    (:func:`idff_ts.data.seasonal.harmonic_basis` at position ``s − 1`` of ``N_SLOTS``)."""
    s = np.asarray(slots, dtype=np.float64).ravel()
    return seasonal.harmonic_basis(s - 1.0, N_SLOTS, n_harmonics)


__all__ = ["harmonic_basis", "weighted_lstsq"]
