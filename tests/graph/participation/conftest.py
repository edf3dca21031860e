from __future__ import annotations

from tests.participation.conftest import (  # noqa: F401  (fixtures shared with the domain tests)
    consultation,
    consultation_in,
    make_comment,
    make_proposal,
)
