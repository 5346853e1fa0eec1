"""Angle-aware modelling: dihedrals in degrees ↔ ``(sin, cos)`` features (method.md §6).

A dihedral θ lives on the circle, so a model trained on raw degrees sees −179° and 179° as
358° apart. :class:`AngleEncoder` maps each angle to the point ``(sin θ, cos θ)`` on the unit
circle — continuous across ±180° — and back with ``θ = atan2(s, c)`` (any radius, so model
outputs off the circle decode fine), in degrees wrapped to ``(−180, 180]``::

    encode: (…, angle=A) degrees → (…, feature=2A), feature = [sin θ₁, cos θ₁, sin θ₂, …]
    decode: (…, feature=2A)      → (…, angle=A),    θ_a = atan2(s_a, c_a) · 180/π

:func:`fit_angles` / :func:`forecast_angles` wrap :func:`idff_ts.training.fit.fit` and
:func:`idff_ts.forecast.forecast` in that space: the model learns and samples the features,
users pass and receive degrees (with the angle names). :func:`generate_angles` chains
``K``-slot rollouts into long generated trajectories (the paper's MD protocol). Every error is
then scored with the wrapped difference ``((a − b + 180) mod 360) − 180`` (``distance=
"circular"`` in :mod:`idff_ts.metrics`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from idff_ts.data.md import wrap_degrees
from idff_ts.errors import ConfigError, DataError

if TYPE_CHECKING:
    from idff_ts.model import Forecaster

ENCODING = "sincos"
_FEATURE = re.compile(r"^(sin|cos)\((.+)\)$")


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
    and the attribute ``circular`` set (what :func:`idff_ts.data.md.load_dihedrals` and the MD
    tasks write). :func:`idff_ts.fit` then trains through :func:`fit_angles`.

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


# ----------------------------------------------------------------------------- fit / forecast
def fit_angles(
    data: xr.DataArray | Mapping[str, xr.DataArray],
    *,
    angle_dim: str = "angle",
    val: xr.DataArray | None = None,
    **fit_kwargs: Any,
) -> Forecaster:
    """:func:`~idff_ts.training.fit.fit` on the ``(sin, cos)`` features of angle data.

    ``data`` (and ``val``, or the entries of a ``{"train", "val"}`` dict) hold angles in degrees
    with ``angle_dim`` (plus ``time`` and optionally ``trajectory``). The returned Forecaster
    works on features; ``data_info`` records ``angle_encoding="sincos"``, ``angle_names``,
    ``angle_dim`` and ``angle_units="degree"`` (also in ``out_dir/model.pt`` when given), so
    :func:`forecast_angles` can decode. ``fit_kwargs`` go to ``fit`` unchanged.
    """
    from idff_ts.training.fit import fit

    enc = AngleEncoder(angle_dim=angle_dim)
    if isinstance(data, Mapping):
        encoded: Any = {k: (None if v is None else enc.encode(v)) for k, v in data.items()}
        first = data["train"] if "train" in data else next(iter(data.values()))
    else:
        encoded, first = enc.encode(data), data
    names = angle_names(first, angle_dim)
    model = fit(encoded, val=None if val is None else enc.encode(val), **fit_kwargs)
    model.data_info.update({
        "angle_encoding": ENCODING, "angle_names": names, "angle_dim": angle_dim,
        "angle_units": "degree", "name": None if first.name is None else str(first.name),
    })
    out_dir = fit_kwargs.get("out_dir")
    if out_dir is not None:  # fit saved model.pt before the angle entries were known
        from pathlib import Path

        from idff_ts.training.checkpoint import read_config, save_checkpoint

        path = Path(out_dir) / "model.pt"
        if path.is_file():
            save_checkpoint(path, model, extra=read_config(path).get("extra", {}))
    return model


def _resolve_angle_model(model: Forecaster | str | os.PathLike[str]) -> Forecaster:
    from idff_ts.forecast import resolve_model

    fc = resolve_model(model, None)
    if fc.data_info.get("angle_encoding") != ENCODING:
        raise ConfigError(
            f"this model was not trained on sin/cos angle features (data_info angle_encoding="
            f"{fc.data_info.get('angle_encoding')!r}); train it with fit_angles"
        )
    return fc


def forecast_angles(
    data: xr.DataArray,
    model: Forecaster | str | os.PathLike[str],
    **kwargs: Any,
) -> xr.Dataset:
    """:func:`idff_ts.forecast.forecast` of angle data, decoded back to degrees.

    ``data``: angles in degrees with the model's angle dim and names (checked). ``kwargs`` go to
    ``forecast`` (``horizon``, ``members``, ``seed``, ``init``, ``nfe``, …). Returns its Dataset
    with the variable in degrees: dims ``(init, [trajectory,] lead, member, angle)``,
    ``units="degree"``, plus the global attribute ``angle_encoding="sincos"``.
    """
    from idff_ts.forecast import forecast

    fc = _resolve_angle_model(model)
    angle_dim = str(fc.data_info.get("angle_dim", "angle"))
    names = list(fc.data_info.get("angle_names") or [])
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
    enc = AngleEncoder(angle_dim=angle_dim)
    ds = forecast(enc.encode(data), fc, **kwargs)
    var = next(iter(ds.data_vars))
    deg = enc.decode(ds[var], names=got)
    deg.attrs = {**{k: v for k, v in ds[var].attrs.items() if k not in ("units", "long_name")},
                 "units": "degree", "long_name": str(data.attrs.get("long_name", "dihedral angle")),
                 "circular": 1, "period": 360.0, "valid_min": -180.0, "valid_max": 180.0,
                 "comment": "angles wrapped to (-180, 180]; score with wrapped differences "
                 "((a - b + 180) mod 360) - 180"}
    deg[angle_dim].attrs = {"long_name": "angle name (phi_i / psi_i: dihedral of residue i)"}
    out = deg.to_dataset(name=var).assign_attrs({**ds.attrs, "angle_encoding": ENCODING})
    return out


def generate_angles(
    start: xr.DataArray,
    model: Forecaster | str | os.PathLike[str],
    n_steps: int,
    *,
    members: int = 1,
    seed: int = 0,
    nfe: int | None = None,
    time_dim: str = "time",
) -> xr.DataArray:
    """Long generated trajectories: ``K``-slot rollouts chained from ``start`` (degrees).

    ``start`` holds at least the model's ``L`` context frames (the last ``L`` are used). Each
    member runs ``n_steps`` steps; every chunk of ``K`` slots starts from that member's last
    ``L`` generated states and draws fresh noise (chunk ``c`` uses seed ``seed + 7919 c``), so a
    trajectory never sees the truth after ``start``. Returns ``(member, time, angle)`` degrees,
    ``time`` continuing ``start`` with the model's time step; attrs ``nfe`` (network calls per member and step,
    counted) and ``wall_time_s``.
    """
    import time as _time

    fc = _resolve_angle_model(model)
    angle_dim = str(fc.data_info.get("angle_dim", "angle"))
    if n_steps < 1 or members < 1:
        raise ConfigError(f"n_steps and members must be >= 1, got {n_steps}, {members}")
    n_ctx, k_max = int(fc.cfg.context), int(fc.cfg.horizon)
    if time_dim not in start.dims or start.sizes[time_dim] < n_ctx:
        raise DataError(f"start needs {n_ctx} frames along {time_dim!r}; found dims "
                        f"{dict(start.sizes)}")
    enc = AngleEncoder(angle_dim=angle_dim)
    names = angle_names(start, angle_dim)
    feats = enc.encode(start.isel({time_dim: slice(-n_ctx, None)})).transpose(time_dim, ...)
    context = np.repeat(np.asarray(feats.values, dtype=np.float32)[None], members, axis=0)
    sampler = fc.sampler if nfe is None else replace(fc.sampler, nfe=int(nfe))
    pieces, calls, t0, done, c = [], 0, _time.perf_counter(), 0, 0
    while done < n_steps:
        k = min(k_max, n_steps - done)
        samples, res = fc.predict(context, k, 1, seed=seed + 7919 * c, sampler=sampler)
        block = samples[0]  # (members, k, F)
        pieces.append(block)
        context = np.concatenate([context, block], axis=1)[:, -n_ctx:]
        calls += res.nfe * k
        done += k
        c += 1
    values = np.concatenate(pieces, axis=1)
    times = np.asarray(start[time_dim].values, dtype=np.float64) if time_dim in start.coords \
        else np.arange(start.sizes[time_dim], dtype=np.float64)
    step = fc.data_info.get("time_step")
    if step is None:
        step = float(np.median(np.diff(times))) if times.size > 1 else 1.0
    new_t = times[-1] + step * np.arange(1, n_steps + 1)
    feat = xr.DataArray(values, dims=("member", time_dim, enc.feature_dim),
                        coords={"member": np.arange(members), time_dim: new_t})
    out = enc.decode(feat, names=names).rename(start.name)
    if time_dim in start.coords:
        out[time_dim].attrs = dict(start[time_dim].attrs)
    out.attrs.update({"nfe": int(calls // n_steps), "wall_time_s": _time.perf_counter() - t0,
                      "seed": int(seed)})
    return out


__all__ = [
    "ENCODING",
    "AngleEncoder",
    "angle_names",
    "circular_mean",
    "circular_std",
    "fit_angles",
    "forecast_angles",
    "generate_angles",
    "is_angle_data",
    "is_encoded",
]
