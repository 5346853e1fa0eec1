"""Downloading the NOAA OISST v2.1 archive: hash-checked, resumable, cached.

- :mod:`~idff_ts.domains.sst.download.plan`: which files (:func:`plan_downloads`, years);
- :mod:`~idff_ts.domains.sst.download.fetch`: :func:`download` and its guarantees,
  :func:`download_cli` (``idff-ts data download``);
- :mod:`~idff_ts.domains.sst.download.transfer`: one resumable HTTP transfer with retries;
- :mod:`~idff_ts.domains.sst.download.cache`: the folder's registry, hashes, format checks.
"""

from __future__ import annotations

from idff_ts.domains.sst.download.cache import is_netcdf
from idff_ts.domains.sst.download.fetch import download, download_cli
from idff_ts.domains.sst.download.plan import (
    FIRST_DAY,
    LAYOUTS,
    NCEI_BASE_URL,
    PSL_BASE_URL,
    REGISTRY_NAME,
    DownloadError,
    RemoteFile,
    parse_years,
    plan_downloads,
)

__all__ = [
    "FIRST_DAY",
    "LAYOUTS",
    "NCEI_BASE_URL",
    "PSL_BASE_URL",
    "REGISTRY_NAME",
    "DownloadError",
    "RemoteFile",
    "download",
    "download_cli",
    "is_netcdf",
    "parse_years",
    "plan_downloads",
]
