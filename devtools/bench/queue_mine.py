"""The queue filtered to "mine", timed by make bench's UI part (issue 16).

An agent owns a bounded number of faults whatever the size of the table (a shift works tens of
faults, not a share of all history), so the bench agent is given OWNED open faults once, spread
over the statuses the queue's sections show, and keeps them as the table grows. The queue is
fetched as that agent with `?assigned=mine`. The issue's goal: at 1 000 000 faults within 3x of
the time at 10 000."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.test import Client
from django.urls import reverse

from faults.choices import FaultStatus
from faults.roles import AGENT, ensure_role_groups

GOAL = 3.0
OWNED = 60
QUEUE_STATUSES = (
    FaultStatus.REJECTED,
    FaultStatus.RESOLVED,
    FaultStatus.ON_HOLD,
    FaultStatus.IN_PROGRESS,
    FaultStatus.ACCEPTED,
)


def bench_agent() -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(username="bench-agent")
    if created:
        user.groups.add(ensure_role_groups()[AGENT])
    return user


def give_the_agent_work(user: AbstractBaseUser) -> int:
    """Make `user` the owner of OWNED bench faults in the queue's statuses (the newest ones,
    OWNED // len(QUEUE_STATUSES) of each), once; how many it owns. Bench data, written as
    generate.py writes it: SQL, not the audited service."""
    per_status = OWNED // len(QUEUE_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM faults_fault WHERE owner_id = %s", [user.pk])
        if cursor.fetchone()[0] >= OWNED:
            return OWNED
        for status in QUEUE_STATUSES:
            cursor.execute(
                """
                UPDATE faults_fault SET owner_id = %s WHERE id IN (
                    SELECT id FROM faults_fault
                    WHERE status = %s AND owner_id IS NULL
                      AND starts_with(buyer_fault_reference, 'BENCH-')
                    ORDER BY created_at DESC LIMIT %s)
                """,
                [user.pk, status, per_status],
            )
        cursor.execute("SELECT count(*) FROM faults_fault WHERE owner_id = %s", [user.pk])
        return cursor.fetchone()[0]


def agent_client(user: AbstractBaseUser) -> Client:
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def queue_mine_url() -> str:
    return f"{reverse('queue')}?assigned=mine"


def verdict(first_faults: int, first_ms: float, last_faults: int, last_ms: float) -> str:
    ratio = last_ms / first_ms if first_ms else float("inf")
    said = "PASS" if ratio <= GOAL else "FAIL"
    return (
        f"queue filtered to mine ({OWNED} faults owned): "
        f"{last_faults:,} faults {last_ms:.1f} ms vs {first_faults:,} faults {first_ms:.1f} ms: "
        f"x{ratio:.2f} ({said}, goal {GOAL:g}x)"
    )
