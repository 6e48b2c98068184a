"""Field types every service's request schemas share."""

from typing import Annotated

from pydantic import Field, Strict, StringConstraints

FiniteFloat = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A JSON number that is finite: ``NaN``, ``Infinity``, ``1e999``, ``"12"`` and ``true`` get 422."""

NAME_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
"""A series or stream name: 1 to 128 letters, digits or ``_ . : -``."""

SeriesId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NAME_PATTERN)]
"""A series or stream name, in bodies, paths and queries alike (:data:`NAME_PATTERN`)."""

StrictInt = Annotated[int, Strict()]
"""An integer that is one in JSON: ``"5"``, ``5.0`` and ``true`` get 422 naming the field."""

ObservationId = Annotated[int, Strict(), Field(ge=0, le=2**63 - 1)]
"""A client-chosen id that makes a learning request idempotent per series; strict, so ``1.0``
and ``"1"`` are refused."""
