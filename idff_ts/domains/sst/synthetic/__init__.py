"""The synthetic SST generator behind the bundled demo (SYNTHETIC DEMO DATA)."""

from __future__ import annotations

from idff_ts.domains.sst.synthetic.model import (
    ETP_REGION,
    PSL_MISSING_VALUE,
    PSL_TIME_UNITS,
    RESOLUTION,
    SYNTHETIC_TITLE,
    SyntheticSSTParams,
    climatology,
    generate_sst,
    iter_sst_years,
    ocean_mask,
    region_grid,
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
