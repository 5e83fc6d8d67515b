"""What a service refuses with: each leaves the case exactly as it was."""

from django.utils.translation import gettext as _


class CaseChangedError(Exception):
    """The case was changed by someone else meanwhile; nothing was done."""

    def __init__(self):
        super().__init__(
            _("This case was changed by someone else meanwhile. Nothing was changed; look at the case as it is now.")
        )


class TransitionBlockedError(Exception):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


class NotNowError(Exception):
    """The action does not fit the case's step or the weighing so far; nothing was changed."""


class CaseClosedError(Exception):
    def __init__(self):
        super().__init__(_("This case is closed: nothing can be added."))
