"""The domain registry: which domain handles an input, a trained model or a task.

Domains are kept by name, highest :attr:`~idff_ts.domains.base.Domain.priority` first. The
generic ``series`` domain has the lowest priority and accepts every input and every model, so
each question has an answer. Registering a domain also registers its tasks and task aliases
(:mod:`idff_ts.tasks`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from idff_ts.domains.base import Domain
from idff_ts.errors import ConfigError

if TYPE_CHECKING:
    from idff_ts.tasks import Task

DOMAINS: dict[str, Domain] = {}
"""Registered domains by name; see :func:`register_domain`."""


def register_domain(domain: Domain, *, overwrite: bool = False) -> Domain:
    """Add ``domain`` (and its tasks) to the registry; refuse to replace one unless ``overwrite``."""
    from idff_ts.tasks import TASKS, register_alias, register_task

    if not isinstance(domain, Domain):
        raise ConfigError(f"expected a Domain instance, found {type(domain).__name__}")
    if domain.name in DOMAINS and not overwrite:
        raise ConfigError(f"domain {domain.name!r} is already registered; pass overwrite=True")
    DOMAINS[domain.name] = domain
    for task in domain.tasks():  # a task already registered under its name is kept
        if task.name not in TASKS or overwrite:
            register_task(task, overwrite=overwrite)
    for alias, name in domain.task_aliases().items():
        register_alias(alias, name)
    return domain


def unregister_domain(name: str) -> None:
    """Remove a domain (its tasks stay registered); for tests and plug-in reloads."""
    DOMAINS.pop(name, None)


def domains() -> list[Domain]:
    """Registered domains, highest priority first (stable among equals)."""
    return sorted(DOMAINS.values(), key=lambda d: -d.priority)


def get_domain(name: str) -> Domain:
    """The registered domain ``name``; :class:`ConfigError` listing the known ones."""
    if name not in DOMAINS:
        raise ConfigError(f"unknown domain {name!r}; expected one of {sorted(DOMAINS)}")
    return DOMAINS[name]


def _first(question: str, test: Any) -> Domain:
    for domain in domains():
        if test(domain):
            return domain
    raise ConfigError(f"no registered domain {question}; registered: {sorted(DOMAINS)}")


def domain_for_data(data: Any, var: str | None = None) -> Domain:
    """The domain that handles ``data`` (an xarray object, or a dict of splits)."""
    return _first("accepts this data", lambda d: d.accepts_data(data, var))


def domain_for_model(data_info: Mapping[str, Any] | None) -> Domain:
    """The domain that owns a model with this ``data_info`` (its own ``"domain"`` key first)."""
    info = dict(data_info or {})
    named = info.get("domain")
    if named in DOMAINS:
        return DOMAINS[named]
    return _first("owns this model", lambda d: d.owns_model(info))


def domain_for_task(task: Task) -> Domain:
    """The domain that trains ``task`` (``idff-ts train --task``)."""
    return _first(f"owns task {task.name!r}", lambda d: d.owns_task(task))


def default_model(data: Any, var: str | None = None) -> Path | None:
    """The first domain's default checkpoint for ``data`` (e.g. a bundled demo), or ``None``."""
    for domain in domains():
        path = domain.default_model(data, var)
        if path is not None:
            return path
    return None


__all__ = [
    "DOMAINS",
    "default_model",
    "domain_for_data",
    "domain_for_model",
    "domain_for_task",
    "domains",
    "get_domain",
    "register_domain",
    "unregister_domain",
]
