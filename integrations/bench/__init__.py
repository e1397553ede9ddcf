"""`make bench`: webhook ingest figures under gunicorn on PostgreSQL and Redis (issue 4)."""
