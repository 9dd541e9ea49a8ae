"""SHA-256 of bytes and of files, the one implementation every stage uses; and a release's
``SHA256SUMS``, written and verified."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import Problem

SUMS = "SHA256SUMS"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks (releases hold files of hundreds of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_sums(folder: Path) -> None:
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != SUMS):
        lines.append(f"{sha256_file(path)}  {path.relative_to(folder).as_posix()}\n")
    (folder / SUMS).write_text("".join(lines), encoding="utf-8", newline="\n")


def verify_sums(folder: Path) -> list[Problem]:
    """Check every file against SHA256SUMS, and that no file is missing or extra."""
    sums = folder / SUMS
    if not sums.exists():
        return [Problem("missing-checksums", "發行版缺少 SHA256SUMS。", "The release has no SHA256SUMS.",
                        file=str(sums), check="release", fix_zh="重新建置發行版。", fix_en="Rebuild the release.")]
    listed = {}
    for n, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        listed[name] = (digest, n)
    problems = []
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != SUMS}
    for name, (digest, n) in sorted(listed.items()):
        path = folder / name
        if name not in present:
            problems.append(Problem("missing-file", f"SHA256SUMS 列出的檔案不存在：{name}",
                                    f"A file listed in SHA256SUMS is missing: {name}", file=SUMS, line=n,
                                    check="release"))
        elif sha256_file(path) != digest:
            problems.append(Problem("checksum-mismatch", f"檔案內容與 SHA256SUMS 不符：{name}",
                                    f"The file does not match its SHA-256 in SHA256SUMS: {name}",
                                    file=name, check="release",
                                    fix_zh="發行版不可修改；請重新下載或重建。",
                                    fix_en="Releases are immutable: download or build it again."))
    for name in sorted(present - set(listed)):
        problems.append(Problem("unlisted-file", f"檔案未列於 SHA256SUMS：{name}",
                                f"A file is not listed in SHA256SUMS: {name}", file=name, check="release"))
    return problems


def folder_digest(folder: Path) -> str:
    """SHA-256 of every file under ``folder``: their relative paths and their SHA-256, sorted (so
    the same files give the same digest wherever the folder is)."""
    lines = [f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}\n"
             for p in sorted(Path(folder).rglob("*")) if p.is_file()]
    return sha256("".join(lines).encode("utf-8"))
