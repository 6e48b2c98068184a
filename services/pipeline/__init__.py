"""The end-to-end pipeline job: ingestion -> features -> model(s), one observation at a time."""
