"""Where data live on this machine: the cache folder and the optional shared-data folder.

- :func:`default_cache_dir`: simulations and demo files computed once and reused
  (``$IDFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/idff_ts``, else ``~/.cache/idff_ts``).
- :func:`find_shared_file`: real data sets kept outside the repository (never copied into
  it): ``$IDFF_SHARED_DATA/relative``, else ``<repo>/../shared/data/relative``.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$IDFF_CACHE_DIR``, else ``$XDG_CACHE_HOME/idff_ts``, else ``~/.cache/idff_ts``."""
    if os.environ.get("IDFF_CACHE_DIR"):
        return Path(os.environ["IDFF_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "idff_ts"


def find_shared_file(relative: str) -> Path | None:
    """``$IDFF_SHARED_DATA/relative``, else ``<repo>/../shared/data/relative`` if it exists."""
    roots = []
    if os.environ.get("IDFF_SHARED_DATA"):
        roots.append(Path(os.environ["IDFF_SHARED_DATA"]))
    roots.append(Path(__file__).resolve().parents[2] / ".." / "shared" / "data")
    for root in roots:
        if (root / relative).is_file():
            return (root / relative).resolve()
    return None


__all__ = ["default_cache_dir", "find_shared_file"]
