"""Errors are data: a problem names where it is and how to fix it, in zh-Hant and English.

A validation report is a list of :class:`Problem` rows (as frictionless reports
are). Stages collect problems rather than stopping at the first, so that an
agency's ethics unit sees every problem in its records in one run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

ERROR = "error"  # the record cannot be published as it is
WARNING = "warning"  # publishable, but worth a look
INFO = "info"


@dataclass(frozen=True, slots=True)
class Problem:
    type: str  # a stable, machine-readable kind: "yaml-syntax", "unknown-agency", ...
    message_zh: str
    message_en: str
    file: str = ""
    record: str = ""  # the id of the record, or its position ("#3") when it has no id yet
    field: str = ""
    fix_zh: str = ""
    fix_en: str = ""
    severity: str = ERROR
    line: int | None = None
    check: str = "records"  # which stage found it: records, import, frictionless, shacl

    def where(self) -> str:
        parts = [self.file + (f":{self.line}" if self.line else "")] if self.file else []
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field {self.field}")
        return ", ".join(parts)

    def render(self) -> str:
        """Two lines a person reads: zh-Hant first, then English."""
        where = self.where()
        head = f"[{self.severity}] {where}: " if where else f"[{self.severity}] "
        zh = f"{head}{self.message_zh}" + (f" 修正方式：{self.fix_zh}" if self.fix_zh else "")
        en = f"    {self.message_en}" + (f" Fix: {self.fix_en}" if self.fix_en else "")
        return f"{zh}\n{en}"


@dataclass(slots=True)
class Report:
    """Problems from every check of one run, in the order they were found."""

    problems: list[Problem] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # which checks ran
    stats: dict = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def extend(self, problems) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def conforms(self) -> bool:
        return not self.errors

    def flatten(self, keys=("type", "file", "record", "field")) -> list[list]:
        """Compact rows for comparing reports in tests (as frictionless does)."""
        return [[getattr(p, k) for k in keys] for p in self.problems]

    def to_json(self) -> str:
        body = {
            "conforms": self.conforms,
            "checks": self.checks,
            "counts": {
                s: sum(1 for p in self.problems if p.severity == s) for s in (ERROR, WARNING, INFO)
            },
            "stats": self.stats,
            "problems": [asdict(p) for p in self.problems],
        }
        return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def to_text(self) -> str:
        counts = {s: sum(1 for p in self.problems if p.severity == s) for s in (ERROR, WARNING, INFO)}
        verdict = "符合 / conforms" if self.conforms else "不符合 / does not conform"
        lines = [
            f"驗證報告 / Validation report: {verdict}",
            f"檢查 / checks: {', '.join(self.checks) or '-'}",
            f"錯誤 errors: {counts[ERROR]}  警告 warnings: {counts[WARNING]}  資訊 info: {counts[INFO]}",
        ]
        for key, value in self.stats.items():
            lines.append(f"{key}: {value}")
        for p in self.problems:
            lines.append("")
            lines.append(p.render())
        return "\n".join(lines) + "\n"


class ProblemsFound(Exception):
    """Raised by a stage that cannot go on; carries the problems found so far."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0].render() if self.problems else "(no detail)"
        super().__init__(f"{len(self.problems)} problem(s); first: {first}")


class CannotRun(Exception):
    """Raised where a stage cannot start: an unusable input or output, not a bad record.

    Carries one problem; the command line prints it and exits 2 (could not run).
    """

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(problem.render())


_OS_FIXES = {  # errno name -> (zh, en): what the person running the command can do
    "ENOSPC": ("釋出磁碟空間後再執行一次。", "Free some disk space and run it again."),
    "EDQUOT": ("釋出配額內的空間或提高配額後再執行一次。",
               "Free space within your quota, or raise it, and run it again."),
    "EFBIG": ("檔案超過允許的大小（ulimit -f）；提高上限後再執行一次。",
              "The file grew past the size allowed (ulimit -f): raise the limit and run it again."),
    "EROFS": ("該檔案系統為唯讀；改用可寫入的位置或重新掛載為可寫入。",
              "The filesystem is read-only: use a writable place, or remount it read-write."),
    "EACCES": ("沒有寫入權限；以有權限的使用者執行，或調整資料夾權限。",
               "Permission denied: run as a user who may write there, or change the folder's permissions."),
    "EPERM": ("不允許此操作；以有權限的使用者執行，或調整資料夾權限。",
              "The operation is not permitted: run as a user who may, or change the folder's permissions."),
    "EIO": ("磁碟讀寫錯誤；檢查磁碟後再執行一次。", "The disk reported an I/O error: check it, then run it again."),
}


def os_problem(exc: OSError, state_zh: str = "", state_en: str = "", where: str = "") -> Problem:
    """A problem for a failed read or write: the file (``where`` if the error names none: a
    failing write(2) does not), the system's words for the error, and what to do; ``state_*``
    says what was left as it was (e.g. the release log)."""
    import errno
    import os

    name = errno.errorcode.get(exc.errno or 0, "")
    text = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
    fix_zh, fix_en = _OS_FIXES.get(name, ("排除該錯誤後再執行一次。", "Remove the cause and run it again."))
    code = f" ({name})" if name else ""
    return Problem("os-error", f"無法寫入或讀取檔案：{text}{code}。{state_zh}",
                   f"A file could not be written or read: {text}{code}.{' ' + state_en if state_en else ''}",
                   file=str(exc.filename or where), fix_zh=fix_zh, fix_en=fix_en, check="release")
