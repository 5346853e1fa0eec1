"""How precisely an SST forecast is stored: 0.01 °C by default (lossy, documented, switchable).

An ensemble's spread is 0.1-0.25 °C per pixel and lead, and OISST itself is distributed packed
to 0.01 °C, so digits beyond the second decimal are noise that compresses badly. By default a
written forecast keeps ``sst`` to 0.01 °C and ``sst_anomaly`` to 0.001 (one more digit: an
anomaly of 1 is 0.3-1 °C). The values in memory are not changed; only the file is quantised,
through the variables' ``encoding``:

* netCDF: ``least_significant_digit`` (netCDF4-python's bit rounding: the value is rounded to a
  multiple of ``2**-b`` with ``2**-b <= 10**-d``, so the error is at most ``2**-(b+1)``: 0.0039 °C
  for 0.01, and the zero low bits make zlib 2-3 times more effective);
* Zarr: the same rounding as the numcodecs ``Quantize`` filter (:mod:`idff_ts.io.writing`
  translates the key).

Files stay float32 with NaN over land: xarray, netCDF4 and zarr read them as plain floats with no
unpacking step. ``precision=0`` (``idff-ts forecast --precision 0``) writes full float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import ConfigError

MASK_FLAG_VALUES = np.array([0, 1], dtype=np.int8)
"""CF ``flag_values`` of a boolean ocean mask in the type it is stored as (xarray writes a bool as
a byte, netCDF ``NC_BYTE``): land 0, ocean 1."""

DEFAULT_PRECISION = 0.01
"""Default quantum of ``sst`` in written files, °C."""


def precision_digits(precision: Any) -> int | None:
    """Decimal digits ``d`` of a precision ``10**-d`` (``None``: the default; 0: no rounding)."""
    if precision is None:
        precision = DEFAULT_PRECISION
    try:
        value = float(precision)
    except (TypeError, ValueError):
        raise ConfigError(f"precision must be a number such as 0.01 (or 0 for full float32), "
                          f"got {precision!r}") from None
    if value == 0:
        return None
    digits = -math.log10(value) if value > 0 and math.isfinite(value) else math.nan
    if not math.isfinite(digits) or abs(digits - round(digits)) > 1e-9 or not 0 <= digits <= 6:
        raise ConfigError(
            f"precision must be a power of ten between 1 and 1e-6 (e.g. 0.01 °C) or 0 for full "
            f"float32, got {precision!r}"
        )
    return int(round(digits))


def quantise_on_write(forecast: xr.Dataset, digits: int | None) -> xr.Dataset:
    """Mark ``sst`` (``digits``) and ``sst_anomaly`` (``digits + 1``) for rounding on write."""
    for name, extra in (("sst", 0), ("sst_anomaly", 1)):
        if name not in forecast:
            continue
        forecast[name].encoding.pop("least_significant_digit", None)
        if digits is not None:
            forecast[name].encoding["least_significant_digit"] = digits + extra
    if digits is not None:
        forecast.attrs["stored_precision"] = (
            f"sst rounded to 1e-{digits} degC (bit rounding, error <= 0.5e-{digits}) and "
            f"sst_anomaly to 1e-{digits + 1} in written files; full float32 with precision=0"
        )
    return forecast


__all__ = ["DEFAULT_PRECISION", "MASK_FLAG_VALUES", "precision_digits", "quantise_on_write"]
