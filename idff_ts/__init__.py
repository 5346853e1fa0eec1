"""idff-ts: probabilistic forecasting with Implicit Dynamical Flow Fusion.

Importing the package registers the ``.idff`` accessor on xarray Datasets and DataArrays. Torch
is imported lazily, on first use of a function that needs it.
"""

from __future__ import annotations

__version__ = "0.1.0"
