"""`make bench`, in three parts: webhook ingest figures under gunicorn on PostgreSQL and Redis
(`ingest`, its load generator `load` and baseline view `views`), the manager's pages timed as the
fault history grows (`ui`, history made in SQL by `generate`), and the embedded broker candidates
through a Celery worker (`broker`, its probe app `broker_probe`)."""
