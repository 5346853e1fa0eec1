"""Type checks of configuration values (the dataclasses of :mod:`idff_ts.config`).

A value read from YAML, JSON or a keyword argument must match its field's annotation: ``int``
fields take integers (not ``true``/``false``), ``float`` fields any finite real number, tuple
fields lists of their element type, dict fields mappings with string keys, unions any of their
members. Errors are one line naming the field, what was expected and what was found.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import types
import typing
from typing import Any

import numpy as np

from idff_ts.errors import ConfigError


def _kind_ok(value: Any, kind: Any) -> bool:
    """Whether ``value`` is of the annotated ``kind`` (bool is no number; ints are floats)."""
    if kind is bool:
        return isinstance(value, bool | np.bool_)
    if kind is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    origin = typing.get_origin(kind)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return isinstance(value, list | tuple) and all(_kind_ok(v, inner) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) for k in value)
    if origin in (typing.Union, types.UnionType):
        return any(_kind_ok(value, k) for k in typing.get_args(kind))
    return True


def _kind_name(kind: Any) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "a string"}
    if kind in names:
        return names[kind]
    if typing.get_origin(kind) is tuple:
        inner = _kind_name(typing.get_args(kind)[0]).removeprefix("an ").removeprefix("a ")
        return f"a list of {inner}s"
    if typing.get_origin(kind) is dict:
        return "a mapping with string keys"
    return " or ".join(_kind_name(k) for k in typing.get_args(kind))


def check_field_types(cfg: Any) -> None:
    """:class:`ConfigError` naming the first field whose value is not of its annotated type.

    Numbers must be finite (no NaN or infinity). Runs first in every config's
    ``__post_init__``, so values from YAML, JSON or keyword arguments are checked alike.
    """
    hints = typing.get_type_hints(type(cfg))
    for f in dataclasses.fields(cfg):
        _check_value(type(cfg).__name__, f.name, getattr(cfg, f.name), hints[f.name])


def check_partial(cls: type, values: dict[str, Any]) -> None:
    """The names and types of some fields of ``cls`` (the rest take their defaults later)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(map(str, values)) - names)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} keys {unknown}; expected a subset of {sorted(names)}")
    hints = typing.get_type_hints(cls)
    for key, value in values.items():
        _check_value(cls.__name__, key, value, hints[key])


def _check_value(owner: str, key: str, value: Any, kind: Any) -> None:
    if not _kind_ok(value, kind):
        raise ConfigError(
            f"{owner}.{key}: expected {_kind_name(kind)}, found {value!r} ({type(value).__name__})"
        )
    if isinstance(value, numbers.Real) and not math.isfinite(value):
        raise ConfigError(f"{owner}.{key}: expected a finite number, found {value!r}")


__all__ = ["check_field_types", "check_partial"]
