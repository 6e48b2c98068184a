"""``make run``: the whole platform as local processes, one pass over the stream, a report."""
