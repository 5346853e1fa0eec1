"""Kinds of data as plug-ins: the registry and the registration lines.

Each folder ``idff_ts/domains/<name>/`` holds one kind of data with the same shape (see
:mod:`idff_ts.domains.base`); the shared functions ask this registry which domain handles an
input (:func:`domain_for_data`), a trained model (:func:`domain_for_model`) or a task
(:func:`domain_for_task`). Adding a domain is its folder plus one line below (or
``idff_ts.domains.register_domain(MyDomain())`` from your own code).
"""

from __future__ import annotations

from idff_ts.domains.attractors import AttractorsDomain
from idff_ts.domains.base import (
    CliOption,
    Domain,
    ForecastInput,
    ForecastRequest,
    TrainOutcome,
    TrainRequest,
)
from idff_ts.domains.calendar import CalendarSeriesDomain
from idff_ts.domains.md.domain import MDDomain
from idff_ts.domains.registry import (
    DOMAINS,
    default_model,
    domain_for_data,
    domain_for_model,
    domain_for_task,
    domains,
    get_domain,
    register_domain,
    unregister_domain,
)
from idff_ts.domains.series import GenericSeriesDomain, SeriesDomain
from idff_ts.domains.sst.domain import SSTDomain

register_domain(GenericSeriesDomain())
register_domain(CalendarSeriesDomain())
register_domain(AttractorsDomain())
register_domain(SSTDomain())
register_domain(MDDomain())

__all__ = [
    "DOMAINS",
    "CalendarSeriesDomain",
    "CliOption",
    "Domain",
    "ForecastInput",
    "ForecastRequest",
    "GenericSeriesDomain",
    "SeriesDomain",
    "TrainOutcome",
    "TrainRequest",
    "default_model",
    "domain_for_data",
    "domain_for_model",
    "domain_for_task",
    "domains",
    "get_domain",
    "register_domain",
    "unregister_domain",
]
