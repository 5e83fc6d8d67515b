"""The user's own notifications."""

from accounts.models import User
from cases import notify


def notification_mark_read(*, user: User, notification) -> None:
    """Mark one of the user's own notifications read (the view fetches it by user: another's answers 404)."""
    notify.notification_mark_read(user=user, notification=notification)
