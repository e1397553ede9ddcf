"""Operations: Prometheus metrics (/metrics), liveness (/healthz) and readiness (/readyz)."""
