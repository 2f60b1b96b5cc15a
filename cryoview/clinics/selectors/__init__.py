"""The clinics' reads, one module per capability (see services)."""
