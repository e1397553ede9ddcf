from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from faults.choices import ActorKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class Actor:
    """Who or what caused a change: recorded on every audit row."""

    kind: ActorKind
    user: AbstractBaseUser | None = None
    ref: str = ""

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> Actor:
        return cls(kind=ActorKind.USER, user=user, ref=user.get_username())

    @classmethod
    def partner(cls, message_ref: str) -> Actor:
        return cls(kind=ActorKind.PARTNER, ref=message_ref)

    @classmethod
    def timer(cls, name: str) -> Actor:
        return cls(kind=ActorKind.TIMER, ref=name)

    @classmethod
    def system(cls, ref: str) -> Actor:
        return cls(kind=ActorKind.SYSTEM, ref=ref)
