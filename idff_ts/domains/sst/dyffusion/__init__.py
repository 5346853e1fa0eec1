"""The DYffusion OISST protocol (data.md §2), one concept per module.

- :mod:`~idff_ts.domains.sst.dyffusion.boxes`: 15° tiles, box numbering, the ETP subset;
- :mod:`~idff_ts.domains.sst.dyffusion.splits`: train / validation / test periods and sizes;
- :mod:`~idff_ts.domains.sst.dyffusion.moments`: day-of-year slots and running sums;
- :mod:`~idff_ts.domains.sst.dyffusion.climatology`: the per-pixel day-of-year standardisation.
"""

from __future__ import annotations

from idff_ts.domains.sst.dyffusion.boxes import (
    BOX_DEG,
    BOX_SIZE,
    ETP_BOXES,
    LAT_MAX,
    LAT_MIN,
    N_BOXES,
    N_LAT_BANDS,
    N_LON_BANDS,
    OCEAN_THRESHOLD,
    RESOLUTION,
    BoxBounds,
    box_bounds,
    box_coords,
    box_index,
    box_slices,
    extract_boxes,
    ocean_boxes,
    ocean_fraction,
    parse_boxes,
)
from idff_ts.domains.sst.dyffusion.climatology import (
    DoyClimatology,
)
from idff_ts.domains.sst.dyffusion.moments import (
    FEB29_SLOT,
    N_SLOTS,
    DoyMoments,
    doy_slot,
)
from idff_ts.domains.sst.dyffusion.splits import (
    ENSEMBLE_SIZE,
    INPUT_DAYS,
    LEAD_DAYS,
    SPLITS,
    day_range,
    parse_period,
    select_split,
    split_period,
)

__all__ = [
    "BOX_DEG",
    "BOX_SIZE",
    "BoxBounds",
    "DoyClimatology",
    "DoyMoments",
    "ENSEMBLE_SIZE",
    "ETP_BOXES",
    "FEB29_SLOT",
    "INPUT_DAYS",
    "LAT_MAX",
    "LAT_MIN",
    "LEAD_DAYS",
    "N_BOXES",
    "N_LAT_BANDS",
    "N_LON_BANDS",
    "N_SLOTS",
    "OCEAN_THRESHOLD",
    "RESOLUTION",
    "SPLITS",
    "box_bounds",
    "box_coords",
    "box_index",
    "box_slices",
    "day_range",
    "doy_slot",
    "extract_boxes",
    "ocean_boxes",
    "ocean_fraction",
    "parse_boxes",
    "parse_period",
    "select_split",
    "split_period",
]
