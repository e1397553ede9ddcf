"""The UI benchmark: fault history generated in SQL, then the manager's pages timed."""
