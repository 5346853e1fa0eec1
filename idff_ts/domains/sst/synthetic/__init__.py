"""The synthetic SST generator behind the bundled demo archive (SYNTHETIC DEMO DATA).

- :mod:`~idff_ts.domains.sst.synthetic.climate`: parameters, grid, stylised coast, analytic
  seasonal climatology;
- :mod:`~idff_ts.domains.sst.synthetic.model`: the stochastic advection–diffusion–relaxation
  model and its integrator (the full description);
- :mod:`~idff_ts.domains.sst.synthetic.writer`: running it year by year and writing NOAA PSL
  yearly files.
"""

from __future__ import annotations

from idff_ts.domains.sst.synthetic.climate import (
    ETP_REGION,
    PSL_MISSING_VALUE,
    PSL_TIME_UNITS,
    RESOLUTION,
    SYNTHETIC_TITLE,
    SyntheticSSTParams,
    climatology,
    ocean_mask,
    region_grid,
)
from idff_ts.domains.sst.synthetic.writer import (
    generate_sst,
    iter_sst_years,
    write_psl_archive,
    write_synthetic_archive,
)

__all__ = [
    "ETP_REGION",
    "PSL_MISSING_VALUE",
    "PSL_TIME_UNITS",
    "RESOLUTION",
    "SYNTHETIC_TITLE",
    "SyntheticSSTParams",
    "climatology",
    "generate_sst",
    "iter_sst_years",
    "ocean_mask",
    "region_grid",
    "write_psl_archive",
    "write_synthetic_archive",
]
