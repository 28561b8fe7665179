"""What is wrong with an imported file: one type for every importer, worded in zh-CN and English.

A problem names where it is (file, row or feature, column), the value found
there and the reason, so a cadre can find and fix it. The reason is kept in
both languages because problems outlive the request that found them (a job's
summary, the rejected-rows workbook, the terminal) and are read in either.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong with a file or a row: where it is, what was there, and why it is refused."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str  # English
    reason_zh: str = ""  # zh-CN; the English reason stands in while it is empty

    def text(self, lang: str) -> str:
        """Return the reason in `lang` ('zh' or 'en')."""
        return self.reason_zh if lang == "zh" and self.reason_zh else self.reason


class Refused(Exception):
    """The file as a whole cannot be read; carries the problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.reason)
        self.problem = problem
