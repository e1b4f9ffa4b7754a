# SPDX-License-Identifier: GPL-3.0-or-later
"""A batch job: what one line of a jobs file (or the command line) asks for."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


class JobError(ValueError):
    """A job that cannot be done; the message says which relation and why."""


@dataclass
class Job:
    blend: str | None = None
    relations: list[tuple[str, str, str]] = field(default_factory=list)
    seed: int = 0
    mode: str = "sample"
    save: str | None = None
    report: str | None = None
    candidates: int = 16
    keep_size: bool = True

    @classmethod
    def from_json(cls, record: dict, defaults: Job) -> Job:
        unknown = set(record) - {"blend", "relations", "seed", "mode", "save", "report",
                                 "candidates", "keep_size"}
        if unknown:
            raise JobError(f"unknown job fields: {', '.join(sorted(unknown))}")
        relations = record.get("relations", [])
        if not isinstance(relations, list) or not all(
                isinstance(r, list | tuple) and len(r) == 3 and all(isinstance(x, str) for x in r)
                for r in relations):
            raise JobError("'relations' must be a list of [base, target, prompt] strings")
        return cls(record.get("blend", defaults.blend), [tuple(r) for r in relations],
                   int(record.get("seed", defaults.seed)), record.get("mode", defaults.mode),
                   record.get("save"), record.get("report"),
                   int(record.get("candidates", defaults.candidates)),
                   bool(record.get("keep_size", defaults.keep_size)))


def read_jobs(path: str, defaults: Job) -> list[Job]:
    jobs = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                jobs.append(Job.from_json(json.loads(line), defaults))
            except (ValueError, TypeError) as error:
                raise JobError(f"{path}:{number}: {error}") from None
    return jobs
