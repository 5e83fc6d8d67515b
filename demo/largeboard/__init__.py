"""A fictional large school board for performance work (moved into a package; split by concern next)."""

from demo.largeboard.chronology import (
    BENCH_REFERENCES,
    BOARD_PREFIX,
    GROUPS_PER_SCHOOL,
    PASSWORD,
    Result,
    existing_signature,
    generate,
    signature,
)

__all__ = [
    "BENCH_REFERENCES",
    "BOARD_PREFIX",
    "GROUPS_PER_SCHOOL",
    "PASSWORD",
    "Result",
    "existing_signature",
    "generate",
    "signature",
]
