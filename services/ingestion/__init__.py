"""Ingestion service: hands out a data set's observations, and live streams', exactly once."""
