# SPDX-License-Identifier: GPL-3.0-or-later
"""A batch job and its one validator, shared by the jobs file, the command line and the Python
API (`Job(...)` validates itself): types are checked, never coerced ("false" is not a boolean,
1.5 is not a seed), ranges are bounded, unknown fields and modes are refused, prompts are
normalised. Each line of a jobs file is read on its own, so a bad line fails alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..oor_core.model.prompt_text import PromptError, clean_prompt

MODES = ("sample", "refine")
MAX_SEED = 2**32 - 1  # numpy's and torch's seeds; larger ones overflow deep inside the sampler
# Every candidate is sampled, placed and mesh-checked at once: 16 take ~40 ms, 1,000,000 took
# 7.3 GB before the process was killed. Past 256 the best candidate no longer improves.
MAX_CANDIDATES = 256
MAX_ECHO = 80


class JobError(ValueError):
    """A job that cannot be done; the message says which field or relation and why."""


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= MAX_ECHO else text[:MAX_ECHO - 3] + "..."


def _integer(name: str, value, low: int, high: int, why: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise JobError(f"'{name}' must be a whole number, not {type(value).__name__} "
                       f"{_shown(value)}")
    if not low <= value <= high:
        raise JobError(f"'{name}' {_shown(value)} is out of range {low}..{high} ({why})")
    return value


def _path(name: str, value, suffix: str | None = None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise JobError(f"'{name}' must be a file path (text), not {type(value).__name__} "
                       f"{_shown(value)}")
    if "\0" in value:
        raise JobError(f"'{name}' {_shown(value)} contains a NUL character")
    if suffix and not value.lower().endswith(suffix):
        raise JobError(f"'{name}' {_shown(value)} must end in {suffix}")
    return value


def _relation(index: int, value) -> tuple[str, str, str]:
    where = f"relation {index + 1}"
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise JobError(f"{where} must be [base, target, prompt], not {_shown(value)}")
    base, target, prompt = value
    for role, name in (("base", base), ("target", target)):
        if not isinstance(name, str) or not name.strip():
            raise JobError(f"{where}: the {role} must be an object name (text), not "
                           f"{_shown(name)}")
    if base == target:
        raise JobError(f"{where}: '{base}' cannot be both base and target")
    try:
        prompt = clean_prompt(prompt)
    except PromptError as error:
        raise JobError(f"{where} ({_shown(base)}, {_shown(target)}): {error}") from None
    return base, target, prompt


AXIS_WORDS = {"+x": "POS_X", "-x": "NEG_X", "+y": "POS_Y", "-y": "NEG_Y", "+z": "POS_Z",
              "-z": "NEG_Z"}
AXIS_KEYS = ("up", "front", "edge", "spout")


def _axis(where: str, value) -> str:
    key = value.strip().lower() if isinstance(value, str) else None
    names = {name.lower(): name for name in AXIS_WORDS.values()}
    if key in AXIS_WORDS:
        return AXIS_WORDS[key]
    if key in names:
        return names[key]
    raise JobError(f"{where} must be a local axis such as \"+Y\" or \"NEG_X\", not "
                   f"{_shown(value)}")


def _object_axes(value) -> dict:
    """{object name: "detect" | {"up": axis, "front": axis, "edge" or "spout": axis}}."""
    if not isinstance(value, dict):
        raise JobError(f"'axes' must map object names to \"detect\" or {{\"up\": ..., "
                       f"\"front\": ...}}, not {type(value).__name__} {_shown(value)}")
    axes = {}
    for name, given in value.items():
        where = f"axes of {_shown(name)}"
        if not isinstance(name, str) or not name.strip():
            raise JobError(f"'axes' keys must be object names (text), not {_shown(name)}")
        if given == "detect":
            axes[name] = "detect"
            continue
        if not isinstance(given, dict) or not given:
            raise JobError(f"{where} must be \"detect\" or an object such as {{\"up\": "
                           f"\"+Y\", \"front\": \"+Z\"}}, not {_shown(given)}")
        unknown = sorted(set(given) - set(AXIS_KEYS))
        if unknown:
            raise JobError(f"{where}: unknown key(s) {', '.join(map(_shown, unknown))} (known: "
                           f"{', '.join(AXIS_KEYS)})")
        chosen = {key: _axis(f"{where}: '{key}'", axis) for key, axis in given.items()}
        if ("up" in chosen) != ("front" in chosen):
            raise JobError(f"{where}: give both 'up' and 'front' (or neither, with only "
                           "'edge' or 'spout')")
        if "up" in chosen and chosen["up"][-1] == chosen["front"][-1]:
            raise JobError(f"{where}: up {given['up']} and front {given['front']} must be "
                           "perpendicular")
        if "edge" in chosen and "spout" in chosen:
            raise JobError(f"{where}: an object has an 'edge' or a 'spout', not both")
        axes[name] = chosen
    return axes


@dataclass(frozen=True)
class Job:
    blend: str | None = None
    relations: tuple[tuple[str, str, str], ...] = ()
    seed: int = 0
    mode: str = "sample"
    save: str | None = None
    report: str | None = None
    candidates: int = 16
    keep_size: bool = True
    settle: bool = False  # rigid-body settle after placing (bridge/physics_settle.py)
    axes: dict = field(default_factory=dict)  # object name -> "detect" | {"up": ..., ...}
    label: str = field(default="command line", compare=False)  # where the job came from

    def __post_init__(self):
        def put(name, value):  # frozen: the validator normalises in place
            object.__setattr__(self, name, value)

        put("blend", _path("blend", self.blend))
        if not isinstance(self.relations, list | tuple):
            raise JobError("'relations' must be a list of [base, target, prompt], not "
                           f"{type(self.relations).__name__} {_shown(self.relations)}")
        put("relations", tuple(_relation(i, r) for i, r in enumerate(self.relations)))
        _integer("seed", self.seed, 0, MAX_SEED, "a 32-bit unsigned seed")
        if not isinstance(self.mode, str) or self.mode not in MODES:
            raise JobError(f"'mode' must be one of {', '.join(MODES)}, not {_shown(self.mode)}")
        put("save", _path("save", self.save, ".blend"))
        put("report", _path("report", self.report))
        _integer("candidates", self.candidates, 1, MAX_CANDIDATES,
                 "each candidate is sampled and mesh-checked at once; more no longer helps")
        if not isinstance(self.keep_size, bool):
            raise JobError(f"'keep_size' must be true or false, not "
                           f"{type(self.keep_size).__name__} {_shown(self.keep_size)}")
        if not isinstance(self.settle, bool):
            raise JobError(f"'settle' must be true or false, not "
                           f"{type(self.settle).__name__} {_shown(self.settle)}")
        put("axes", _object_axes(self.axes))
        if self.save and self.report and _same_file(self.save, self.report):
            raise JobError(f"'save' and 'report' name the same file {_shown(self.save)}")

    def outputs(self) -> list[str]:
        return [p for p in (self.save, self.report) if p]


FIELDS = tuple(f.name for f in fields(Job) if f.name != "label")
INHERITED = ("blend", "seed", "mode", "candidates", "keep_size", "settle")  # command line


def _file_key(path: str) -> str:
    """One spelling per file: './out.blend' and 'out.blend' are the same output."""
    return os.path.normcase(os.path.abspath(path))


def _same_file(a: str, b: str) -> bool:
    return _file_key(a) == _file_key(b)


def job_from_record(record, defaults: Job, label: str) -> Job:
    """One job from a decoded JSON line; fields it leaves out come from the command line."""
    if not isinstance(record, dict):
        raise JobError(f"a job must be a JSON object {{...}}, not {type(record).__name__}")
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:
        raise JobError(f"unknown job field(s): {', '.join(_shown(u) for u in unknown)} "
                       f"(known: {', '.join(FIELDS)})")
    values = {name: getattr(defaults, name) for name in INHERITED}
    values.update(record)
    return Job(**values, label=label)


@dataclass
class JobLine:
    """One non-empty line of a jobs file: its job, or why it cannot run."""
    number: int
    label: str
    job: Job | None = None
    error: str | None = None


def read_jobs(path: str, defaults: Job) -> list[JobLine]:
    """Every non-empty line of a jobs file, each validated on its own, then outputs written by
    two jobs refused on both lines. OSError only when the file itself cannot be read."""
    name = Path(path).name
    lines = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            label = f"{name}:{number}"
            try:
                text = raw.decode("utf-8")
                if not text.strip():
                    continue
                record = json.loads(text)
                lines.append(JobLine(number, label, job_from_record(record, defaults, label)))
            except UnicodeDecodeError:
                lines.append(JobLine(number, label, error="the line is not UTF-8 text"))
            except json.JSONDecodeError as error:
                lines.append(JobLine(number, label, error=f"not valid JSON ({error.msg} at "
                                                           f"column {error.colno})"))
            except (JobError, TypeError, ValueError, RecursionError) as error:
                lines.append(JobLine(number, label, error=str(error)))
    refuse_shared_outputs(lines)
    return lines


def refuse_shared_outputs(lines: list[JobLine]) -> None:
    """Two jobs writing one file would silently overwrite each other: neither runs."""
    writers: dict[str, list[JobLine]] = {}
    for line in lines:
        if line.job is not None:
            for output in line.job.outputs():
                writers.setdefault(_file_key(output), []).append(line)
    for key, sharing in writers.items():
        if len(sharing) < 2:
            continue
        for line in sharing:
            others = ", ".join(str(o.number) for o in sharing if o is not line)
            line.job, line.error = None, (f"its output {_shown(key)} is also written by line "
                                          f"{others}; give each job its own file")
