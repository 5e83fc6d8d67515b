from cases.models.people import (
    Board,
    ClassGroup,
    Guardian,
    HouseholdMember,
    Membership,
    Pupil,
    Role,
    School,
    User,
)

__all__ = [
    "Board",
    "ClassGroup",
    "Guardian",
    "HouseholdMember",
    "Membership",
    "Pupil",
    "Role",
    "School",
    "User",
]
