"""The training YAML file of ``idff-ts train --config``, read safely and checked.

``model:`` and ``train:`` sections (keys of :class:`~idff_ts.config.ModelConfig` and
:class:`~idff_ts.config.TrainConfig`) and the window sizes ``context`` and ``horizon``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from idff_ts.config import ModelConfig, TrainConfig
from idff_ts.config_types import check_partial
from idff_ts.errors import ConfigError, DataError

FILE_SECTIONS = {"model": ModelConfig, "train": TrainConfig}
FILE_SCALARS = ("context", "horizon")


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A training YAML file (``model:``, ``train:``, ``context``, ``horizon``), checked.

    Parsed with ``yaml.safe_load`` (no Python tags: a file can never run code). Every problem is
    one :class:`ConfigError` naming the file: not UTF-8 text, not YAML, not a mapping, an
    unknown section or key, a section that is not a mapping, a value of the wrong type (a key of
    ``model:``/``train:`` is checked against :class:`ModelConfig` / :class:`TrainConfig`), and
    ``context``/``horizon`` that are not integers >= 1. Missing file: :class:`DataError`.
    """
    import yaml

    name = os.fspath(path)
    if not os.path.isfile(name):
        raise DataError(f"config file not found: {name!r}")
    try:
        cfg = yaml.safe_load(Path(name).read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {name!r}: expected UTF-8 YAML text, found binary data") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise ConfigError(f"cannot parse {name!r} as YAML: {detail}") from None
    allowed = sorted((*FILE_SECTIONS, *FILE_SCALARS))
    if not isinstance(cfg, dict) or set(cfg) - set(allowed):
        found = sorted(map(str, cfg)) if isinstance(cfg, dict) else type(cfg).__name__
        raise ConfigError(f"{name!r}: expected a mapping with keys {allowed}, found {found}")
    for key in FILE_SCALARS:
        value = cfg.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"{name!r}: {key} must be an integer >= 1, found {value!r}")
    for key, cls in FILE_SECTIONS.items():
        section = cfg.get(key)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise ConfigError(
                f"{name!r}: {key!r} must be a mapping of {cls.__name__} settings, found {section!r}"
            )
        try:
            check_partial(cls, section)
        except ConfigError as exc:
            raise ConfigError(f"{name!r}: {exc}") from None
    return cfg


__all__ = ["FILE_SECTIONS", "read_config_file"]
