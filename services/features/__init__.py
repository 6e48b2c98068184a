"""Feature service: lag features per series, read-then-append in one step, idempotent by id."""
