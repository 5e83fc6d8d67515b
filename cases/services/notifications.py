"""The user's own notifications."""

from accounts.models import User
from cases import notify


def notification_mark_read(*, user: User, notification) -> None:
    """Mark one of the user's own notifications read (the view fetches it by user: another's answers 404)."""
    notify.notification_mark_read(user=user, notification=notification)


def notifications_mark_all_read(*, user: User, school_id: int | None = None) -> int:
    """Mark every unread notification of the user read (those about cases of ``school_id``, when given)."""
    return notify.notifications_mark_all_read(user=user, school_id=school_id)
