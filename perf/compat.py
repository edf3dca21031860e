"""The library versions each speed layer was tested with, checked once at start-up.

The database layer and the GraphQL engine read private internals of Django, psycopg,
graphql-core, strawberry and strawberry-django (tests/perf/test_contract.py names each one).
A release may change any of them without notice, so a layer runs only on the release series
it was tested with; on any other it turns itself off, logs one warning, and the service runs
on the plain path. `pyproject.toml` admits the same series (`~=`), so this fires only for an
install that bypasses it. To upgrade: README, "Upgrading dependencies".
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import SpecifierSet

logger = logging.getLogger("perf")

# Distribution name → the versions the layer was tested with.
TESTED: dict[str, dict[str, str]] = {
    "DB": {
        "Django": ">=5.2,<5.3",
        "psycopg": ">=3.2,<3.4",
    },
    "RUNTIME": {},
    "ENGINE": {
        "graphql-core": ">=3.3.2,<3.4",
        "strawberry-graphql": ">=0.341.2,<0.342",
        "strawberry-graphql-django": ">=0.93.0,<0.94",
    },
}


def installed(distribution: str) -> str | None:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def mismatches(layer: str) -> list[str]:
    """What is installed outside the tested series, one line per distribution."""
    found = []
    for distribution, tested in TESTED[layer].items():
        current = installed(distribution)
        if current is None or current not in SpecifierSet(tested):
            found.append(f"{distribution} {current or 'missing'} (tested: {tested})")
    return found


@cache
def layer_supported(layer: str) -> bool:
    """False, with one warning per layer and process, where the versions differ."""
    found = mismatches(layer)
    if found:
        logger.warning(
            "Speed layer %s is off: %s. The service runs on the plain path; see README, "
            "'Upgrading dependencies'.",
            layer,
            "; ".join(found),
        )
    return not found
