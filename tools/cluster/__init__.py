"""Cluster helpers: the Secrets the manifests name (``make secrets``) and the Grafana dashboard."""
