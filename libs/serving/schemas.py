"""Field types every service's request schemas share."""

from typing import Annotated

from pydantic import Field, StringConstraints

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
"""A float that refuses NaN and +-Infinity (JSON ``NaN``, ``Infinity``, ``1e999``) with 422."""

SeriesId = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")
]
"""A series name: 1 to 128 letters, digits or ``_ . : -``."""

ObservationId = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A client-chosen id that makes a learning request idempotent per series."""
