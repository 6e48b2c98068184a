"""Cluster helpers: generated credentials for the kustomize overlays (``make secrets``)."""
