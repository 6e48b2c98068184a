"""Checks of the cluster manifests: rendering, schemas, policy, monitoring, the scheduled job."""
