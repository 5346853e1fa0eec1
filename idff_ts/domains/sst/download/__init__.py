"""Downloading the NOAA OISST archive: hash-checked, resumable, cached."""

from __future__ import annotations

from idff_ts.domains.sst.download.transfer import (
    FIRST_DAY,
    LAYOUTS,
    NCEI_BASE_URL,
    PSL_BASE_URL,
    REGISTRY_NAME,
    DownloadError,
    RemoteFile,
    download,
    download_cli,
    is_netcdf,
    parse_years,
    plan_downloads,
)

__all__ = [
    "DownloadError",
    "FIRST_DAY",
    "LAYOUTS",
    "NCEI_BASE_URL",
    "PSL_BASE_URL",
    "REGISTRY_NAME",
    "RemoteFile",
    "download",
    "download_cli",
    "is_netcdf",
    "parse_years",
    "plan_downloads",
]
