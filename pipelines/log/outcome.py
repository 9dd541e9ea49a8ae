"""What ``lianzheng verify`` found: one row per check (✓ or ✗), where the first failure is
(entry index, version, file) and why, in zh-Hant and English; as text or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from ..errors import Problem


@dataclass
class Step:
    """One check: what it looked at, whether it passed, and (if not) where and why."""

    check: str
    ok: bool
    detail: str = ""
    entry: int | None = None
    version: str = ""
    file: str = ""
    problem: Problem | None = None

    def where(self) -> str:
        parts = []
        if self.entry is not None:
            parts.append(f"entry {self.entry}" + (f" ({self.version})" if self.version else ""))
        elif self.version:
            parts.append(f"release {self.version}")
        if self.file:
            parts.append(self.file)
        return ", ".join(parts)


@dataclass
class Outcome:
    path: str
    log: str
    size: int = 0
    steps: list[Step] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def first_failure(self) -> Step | None:
        return next((s for s in self.steps if not s.ok), None)

    def passed(self, check: str, detail: str = "", **where) -> None:
        self.steps.append(Step(check, True, detail, **where))

    def failed(self, check: str, kind: str, zh: str, en: str, *, fix_zh: str = "", fix_en: str = "",
               entry: int | None = None, version: str = "", file: str = "", detail: str = "") -> None:
        record = f"entry {entry}" if entry is not None else (f"release {version}" if version else "")
        problem = Problem(kind, zh, en, file=file, record=record, fix_zh=fix_zh, fix_en=fix_en, check="verify")
        self.steps.append(Step(check, False, detail or en, entry, version, file, problem))

    def to_text(self) -> str:
        lines = [f"lianzheng verify {self.path} (log {self.log}, tree size {self.size})"]
        for w in self.warnings:
            lines.append("! " + w.render().replace("\n", "\n  "))
        for s in self.steps:
            where = s.where()
            mark = "✓" if s.ok else "✗"
            lines.append(f"{mark} {s.check}: {s.detail}" + (f" [{where}]" if where and not s.ok else ""))
            if s.problem is not None:
                lines.append("    " + s.problem.render().replace("\n", "\n    "))
        failed = [s for s in self.steps if not s.ok]
        if not failed:
            lines.append(f"通過 / verified: {len(self.steps)} 項檢查全部通過 / all {len(self.steps)} checks passed")
        else:
            first = failed[0]
            lines.append(f"未通過 / FAILED: {len(failed)} 項檢查未通過 / {len(failed)} of {len(self.steps)} checks "
                         f"failed; 第一個 / first: {first.check} [{first.where() or '-'}]")
        return "\n".join(lines) + "\n"

    def to_json(self) -> str:
        def step(s: Step) -> dict:
            d = {k: v for k, v in asdict(s).items() if k != "problem"}
            d["problem"] = asdict(s.problem) if s.problem else None
            return d

        first = self.first_failure
        body = {"ok": self.ok, "path": self.path, "log": self.log, "size": self.size,
                "checks": [step(s) for s in self.steps], "warnings": [asdict(w) for w in self.warnings],
                "first_failure": step(first) if first else None}
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"
