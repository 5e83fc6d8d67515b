from schools.models.imports import PupilImport
from schools.models.people import (
    Board,
    ClassGroup,
    Guardian,
    HolidayRegion,
    HouseholdMember,
    Membership,
    Pupil,
    Role,
    RoleGrant,
    School,
)
from schools.models.social_map import LOCAL_KINDS, PartnerKind, SocialMapEntry, social_map_partner

__all__ = [
    "LOCAL_KINDS",
    "Board",
    "ClassGroup",
    "Guardian",
    "HolidayRegion",
    "HouseholdMember",
    "Membership",
    "PartnerKind",
    "Pupil",
    "PupilImport",
    "Role",
    "RoleGrant",
    "School",
    "SocialMapEntry",
    "social_map_partner",
]
