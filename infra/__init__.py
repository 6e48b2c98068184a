"""Infrastructure as code: Kubernetes manifests and monitoring, checked by infra/tests."""
