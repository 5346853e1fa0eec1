"""The MD domain's encode / decode: dihedrals in degrees ↔ ``(sin, cos)`` features (method.md §6).

A dihedral θ lives on the circle, so a model trained on raw degrees sees −179° and 179° as
358° apart. :class:`AngleEncoder` maps each angle to the point ``(sin θ, cos θ)`` on the unit
circle — continuous across ±180° — and back with ``θ = atan2(s, c)`` (any radius, so model
outputs off the circle decode fine), in degrees wrapped to ``(−180, 180]``::

    encode: (…, angle=A) degrees → (…, feature=2A), feature = [sin θ₁, cos θ₁, sin θ₂, …]
    decode: (…, feature=2A)      → (…, angle=A),    θ_a = atan2(s_a, c_a) · 180/π

:mod:`idff_ts.domains.md.forecast` trains and forecasts in that space (users pass and receive
degrees with the angle names); every error is scored with the wrapped difference
``((a − b + 180) mod 360) − 180`` (``distance="circular"`` in :mod:`idff_ts.metrics`).
This module needs numpy and xarray only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from idff_ts.errors import DataError

ENCODING = "sincos"
_FEATURE = re.compile(r"^(sin|cos)\((.+)\)$")


def wrap_degrees(x: Any) -> Any:
    """Wrap angles in degrees to ``(−180, 180]`` (numpy arrays, scalars or xarray objects)."""
    y = (x + 180.0) % 360.0 - 180.0  # [−180, 180)
    return y + 360.0 * (y <= -180.0)


@dataclass(frozen=True)
class AngleEncoder:
    """Degrees along ``angle_dim`` ↔ ``(sin, cos)`` pairs along ``feature_dim`` (module doc).

    Stateless: the feature labels ``"sin(phi_2)", "cos(phi_2)", …`` carry the angle names, so
    :meth:`decode` needs nothing but the features (or ``names=`` when labels are absent).
    """

    angle_dim: str = "angle"
    feature_dim: str = "feature"

    def encode(self, angles: xr.DataArray) -> xr.DataArray:
        """``(…, angle)`` degrees → ``(…, feature)`` with ``feature = [sin θ₁, cos θ₁, …]``."""
        if not isinstance(angles, xr.DataArray) or self.angle_dim not in angles.dims:
            found = list(map(str, angles.dims)) if isinstance(angles, xr.DataArray) else \
                type(angles).__name__
            raise DataError(
                f"expected a DataArray of angles in degrees with an {self.angle_dim!r} dim; "
                f"found {found}"
            )
        if self.feature_dim in angles.dims:
            raise DataError(f"angles already have a {self.feature_dim!r} dim: already encoded?")
        names = angle_names(angles, self.angle_dim)
        moved = angles.transpose(..., self.angle_dim)
        rad = np.radians(np.asarray(moved.values, dtype=np.float64))
        values = np.stack([np.sin(rad), np.cos(rad)], axis=-1).reshape(
            *rad.shape[:-1], 2 * len(names)
        )
        keep = {k: v for k, v in moved.coords.items() if self.angle_dim not in v.dims}
        out = xr.DataArray(
            values.astype(np.float32 if angles.dtype == np.float32 else np.float64),
            dims=(*moved.dims[:-1], self.feature_dim),
            coords={**keep, self.feature_dim: [f"{f}({n})" for n in names for f in ("sin", "cos")]},
            name=angles.name,
            attrs={"units": "1", "long_name": f"sin / cos of {angles.name or 'angle'}",
                   "angle_encoding": ENCODING},
        )
        return out.transpose(*[self.feature_dim if d == self.angle_dim else d
                               for d in angles.dims])

    def decode(self, features: xr.DataArray, names: list[str] | None = None) -> xr.DataArray:
        """``(…, feature)`` sin/cos pairs → ``(…, angle)`` degrees in ``(−180, 180]``."""
        if self.feature_dim not in features.dims:
            raise DataError(
                f"expected encoded angles with a {self.feature_dim!r} dim; found dims "
                f"{list(map(str, features.dims))}"
            )
        n_feat = features.sizes[self.feature_dim]
        if n_feat % 2:
            raise DataError(f"expected an even number of sin/cos features, found {n_feat}")
        names = list(names) if names is not None else _names_from_labels(
            features, self.feature_dim
        )
        if len(names) != n_feat // 2:
            raise DataError(f"{len(names)} angle names for {n_feat // 2} sin/cos pairs")
        moved = features.transpose(..., self.feature_dim)
        values = np.asarray(moved.values, dtype=np.float64).reshape(
            *moved.shape[:-1], n_feat // 2, 2
        )
        deg = wrap_degrees(np.degrees(np.arctan2(values[..., 0], values[..., 1])))
        keep = {k: v for k, v in moved.coords.items() if self.feature_dim not in v.dims}
        out = xr.DataArray(
            deg, dims=(*moved.dims[:-1], self.angle_dim),
            coords={**keep, self.angle_dim: np.asarray(names)}, name=features.name,
            attrs={"units": "degree", "long_name": "dihedral angle"},
        )
        return out.transpose(*[self.angle_dim if d == self.feature_dim else d
                               for d in features.dims])


def is_angle_data(data: Any, angle_dim: str = "angle") -> bool:
    """True for angles in degrees to model on the circle: a DataArray with an ``angle_dim``
    and the attribute ``circular`` set (what :func:`~idff_ts.domains.md.load_dihedrals` and the MD
    tasks write). :func:`idff_ts.fit` then trains in ``(sin, cos)`` space (the MD domain).

    Raises:
        DataError: marked circular but in other units than degrees.
    """
    if not isinstance(data, xr.DataArray) or angle_dim not in data.dims:
        return False
    if not data.attrs.get("circular"):
        return False
    units = str(data.attrs.get("units", "degree")).lower()
    if units not in ("degree", "degrees", "deg", "°"):
        raise DataError(
            f"angle data {data.name!r} is marked circular but has units {units!r}; expected "
            "degrees (convert with np.degrees and set attrs['units'] = 'degree')"
        )
    return True


def is_encoded(data: Any, feature_dim: str = "feature") -> bool:
    """True for ``(sin, cos)`` features written by :meth:`AngleEncoder.encode`."""
    return (isinstance(data, xr.DataArray) and feature_dim in data.dims
            and data.attrs.get("angle_encoding") == ENCODING)


def circular_mean(da: xr.DataArray, dim: Any = None) -> xr.DataArray:
    """Circular mean in degrees over ``dim``: ``atan2(mean sin θ, mean cos θ)`` in (−180, 180]."""
    rad = np.radians(da)
    return wrap_degrees(np.degrees(np.arctan2(np.sin(rad).mean(dim), np.cos(rad).mean(dim))))


def circular_std(da: xr.DataArray, dim: Any = None) -> xr.DataArray:
    """Circular standard deviation in degrees over ``dim``: ``sqrt(−2 ln R)``, ``R`` the mean
    resultant length (Mardia & Jupp 2000, §2.3.4); ≈ the ordinary std for small spreads."""
    rad = np.radians(da)
    r = np.hypot(np.sin(rad).mean(dim), np.cos(rad).mean(dim)).clip(1e-12, 1.0)
    return np.degrees(np.sqrt(-2.0 * np.log(r)))


def angle_names(da: xr.DataArray, angle_dim: str = "angle") -> list[str]:
    """The labels along ``angle_dim`` (``angle_0, angle_1, …`` when it has no coordinate)."""
    if angle_dim in da.coords:
        return [str(v) for v in da[angle_dim].values]
    return [f"angle_{i}" for i in range(da.sizes[angle_dim])]


def _names_from_labels(features: xr.DataArray, feature_dim: str) -> list[str]:
    if feature_dim not in features.coords:
        raise DataError(
            f"the {feature_dim!r} dim has no 'sin(name)'/'cos(name)' labels; pass names="
        )
    labels = [str(v) for v in features[feature_dim].values]
    names = []
    for i in range(0, len(labels), 2):
        s, c = _FEATURE.match(labels[i]), _FEATURE.match(labels[i + 1])
        if not (s and c and s.group(1) == "sin" and c.group(1) == "cos"
                and s.group(2) == c.group(2)):
            raise DataError(
                f"feature labels {labels[i:i + 2]} are not a 'sin(name)', 'cos(name)' pair; "
                "expected the layout AngleEncoder.encode writes"
            )
        names.append(s.group(2))
    return names


# ----------------------------------------------------------------- whole inputs and forecasts
def angle_model_info(first: xr.DataArray, angle_dim: str = "angle") -> dict[str, Any]:
    """The ``data_info`` entries of a model trained on the features of ``first`` (degrees):
    what decoding its forecasts needs."""
    return {
        "angle_encoding": ENCODING, "angle_names": angle_names(first, angle_dim),
        "angle_dim": angle_dim, "angle_units": "degree",
        "name": None if first.name is None else str(first.name),
    }


def check_model_angles(data: Any, data_info: dict[str, Any]) -> tuple[str, list[str]]:
    """``(angle_dim, names)`` of ``data`` after checking it holds the model's angles in order.

    Raises:
        DataError: not a DataArray, no angle dim, or other angles than the model's.
    """
    angle_dim = str(data_info.get("angle_dim", "angle"))
    names = list(data_info.get("angle_names") or [])
    if not isinstance(data, xr.DataArray):
        raise DataError(f"expected a DataArray of angles in degrees, found {type(data).__name__}")
    if angle_dim not in data.dims:
        raise DataError(
            f"expected an {angle_dim!r} dim (the model's angles); found dims "
            f"{list(map(str, data.dims))}"
        )
    got = angle_names(data, angle_dim)
    if names and got != names:
        raise DataError(
            f"the data's angles {got[:6]}{' …' if len(got) > 6 else ''} differ from the "
            f"model's {names[:6]}{' …' if len(names) > 6 else ''}; select the model's angles "
            "in its order (data.sel(angle=names))"
        )
    return angle_dim, got


def degrees_forecast(
    ds: xr.Dataset, names: list[str], angle_dim: str = "angle",
    long_name: str = "dihedral angle",
) -> xr.Dataset:
    """A forecast of ``(sin, cos)`` features → the same Dataset in degrees in ``(−180, 180]``.

    The variable keeps its name and dims (``feature`` → ``angle_dim`` with ``names``) and gets
    ``units="degree"``, ``circular=1``, ``period=360``, valid range and a comment on scoring;
    the Dataset gets the global attribute ``angle_encoding="sincos"``.
    """
    var = next(iter(ds.data_vars))
    deg = AngleEncoder(angle_dim=angle_dim).decode(ds[var], names=names)
    deg.attrs = {**{k: v for k, v in ds[var].attrs.items() if k not in ("units", "long_name")},
                 "units": "degree", "long_name": str(long_name),
                 "circular": 1, "period": 360.0, "valid_min": -180.0, "valid_max": 180.0,
                 "comment": "angles wrapped to (-180, 180]; score with wrapped differences "
                 "((a - b + 180) mod 360) - 180"}
    deg[angle_dim].attrs = {"long_name": "angle name (phi_i / psi_i: dihedral of residue i)"}
    return deg.to_dataset(name=var).assign_attrs({**ds.attrs, "angle_encoding": ENCODING})


__all__ = [
    "ENCODING",
    "AngleEncoder",
    "angle_model_info",
    "angle_names",
    "check_model_angles",
    "circular_mean",
    "circular_std",
    "degrees_forecast",
    "is_angle_data",
    "is_encoded",
    "wrap_degrees",
]
