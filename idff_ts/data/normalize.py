"""Standardisation fitted on training data only.

For a training array ``y`` of layout ``(n_series, time, *state)`` and reduction axes ``A``::

    μ = mean_A(y),   s = std_A(y),   s ← 1 where s < min_std
    transform(x) = (x − μ) / s,      inverse(z) = z · s + μ

The default ``A`` is every axis except axis 2, the first state axis: per variable for vectors
``(D,)`` and per channel for fields ``(C, H, W)``. The statistics keep the state's rank with
size-1 axes where reduced (``(D,)``, ``(C, 1, 1)``), so they broadcast against any
``(..., *state)`` array, numpy or torch. Constant variables (``s < min_std``) get ``s = 1``, as
scikit-learn's ``StandardScaler`` does: they are centred, never divided by ~0.

Fit on the training split only; validation and test data are transformed with the training
statistics, so they keep whatever shift they have relative to training.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from idff_ts.errors import ConfigError, DataError

ArrayT = TypeVar("ArrayT")


@dataclass(frozen=True)
class Normalizer:
    """Affine standardisation ``z = (x − mean) / std`` with statistics of a state's rank.

    Attributes:
        mean: float64 array, shape broadcastable to the state shape (e.g. ``(D,)``,
            ``(C, 1, 1)``).
        std: float64 array of the same shape, all entries > 0.
    """

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self) -> None:
        mean = np.asarray(self.mean, dtype=np.float64)
        std = np.asarray(self.std, dtype=np.float64)
        if mean.shape != std.shape:
            raise ConfigError(f"mean and std must have one shape, got {mean.shape} and {std.shape}")
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(std)) and np.all(std > 0)):
            raise ConfigError("mean must be finite and std finite and > 0")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "std", std)

    @classmethod
    def fit(
        cls,
        train: np.ndarray,
        axes: Sequence[int] | None = None,
        min_std: float = 1e-6,
    ) -> Normalizer:
        """Fit on a training array ``(n_series, time, *state)``.

        Args:
            train: training data only; at least 3-D (state rank ≥ 1), finite.
            axes: axes reduced over; must include 0 and 1. ``None``: all but axis 2.
            min_std: standard deviations below this are replaced by 1.
        """
        x = np.asarray(train, dtype=np.float64)
        if x.ndim < 3:
            raise DataError(
                f"expected a training array (n_series, time, *state) with >= 3 dims, found "
                f"shape {x.shape}; add a state axis for scalars (x[..., None])"
            )
        if not np.all(np.isfinite(x)):
            raise DataError(
                f"expected finite training data, found {int((~np.isfinite(x)).sum())} NaN/inf "
                "values; fill or drop them before fitting"
            )
        ax = (
            tuple(a for a in range(x.ndim) if a != 2)
            if axes is None
            else tuple(int(a) % x.ndim for a in axes)
        )
        if not {0, 1} <= set(ax):
            raise ConfigError(
                f"axes must include 0 and 1 (series and time) of the {x.ndim}-D training array, "
                f"got {tuple(axes or ())}"
            )
        mean = x.mean(axis=ax, keepdims=True)[0, 0]
        std = x.std(axis=ax, keepdims=True)[0, 0]
        return cls(mean=mean, std=np.where(std < min_std, 1.0, std))

    @property
    def state_ndim(self) -> int:
        """Rank of the state these statistics apply to."""
        return self.mean.ndim

    def transform(self, x: ArrayT) -> ArrayT:
        """``(x − mean) / std`` for ``x`` of shape ``(..., *state)`` (numpy or torch)."""
        mean, std = self._stats_like(x)
        return (x - mean) / std  # type: ignore[operator,return-value]

    def inverse(self, z: ArrayT) -> ArrayT:
        """``z · std + mean``, the inverse of :meth:`transform`."""
        mean, std = self._stats_like(z)
        return z * std + mean  # type: ignore[operator,return-value]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (nested lists), as stored in checkpoints."""
        return {
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "shape": list(self.mean.shape),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Normalizer:
        """Inverse of :meth:`to_dict`."""
        missing = {"mean", "std"} - set(data)
        if missing:
            raise ConfigError(f"normaliser dict lacks keys {sorted(missing)}; found {sorted(data)}")
        shape = tuple(data.get("shape", np.shape(data["mean"])))
        mean = np.asarray(data["mean"], dtype=np.float64).reshape(shape)
        std = np.asarray(data["std"], dtype=np.float64).reshape(shape)
        return cls(mean=mean, std=std)

    def _stats_like(self, x: Any) -> tuple[Any, Any]:
        """``mean``, ``std`` as the type, dtype and device of ``x``, after a shape check."""
        shape = tuple(x.shape)
        tail = shape[len(shape) - self.state_ndim :] if len(shape) >= self.state_ndim else None
        if tail is None or any(
            s != 1 and s != t for s, t in zip(self.mean.shape, tail, strict=True)
        ):
            raise DataError(
                f"expected an array (..., *state) matching normaliser statistics of shape "
                f"{self.mean.shape}, found shape {shape}; was it fitted on other data?"
            )
        if type(x).__module__.split(".")[0] == "torch":
            import torch

            dtype = x.dtype if x.dtype.is_floating_point else torch.float32
            as_t = lambda a: torch.as_tensor(a, dtype=dtype, device=x.device)  # noqa: E731
            return as_t(self.mean), as_t(self.std)
        dtype = x.dtype if np.issubdtype(np.asarray(x).dtype, np.floating) else np.float64
        return self.mean.astype(dtype), self.std.astype(dtype)


__all__ = ["Normalizer"]
