# SPDX-License-Identifier: GPL-3.0-or-later
"""A batch job and its one validator, shared by the jobs file, the command line and the Python
API (`Job(...)` validates itself): types are checked, never coerced ("false" is not a boolean,
1.5 is not a seed), ranges are bounded, unknown fields and modes are refused, prompts are
normalised. Each line of a jobs file is read on its own, so a bad line fails alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from ..oor_core.model.prompt_text import PromptError, clean_description, clean_prompt

MODES = ("sample", "refine")
MAX_SEED = 2**32 - 1  # numpy's and torch's seeds; larger ones overflow deep inside the sampler
# Every candidate is sampled, placed and mesh-checked at once: 16 take ~40 ms, 1,000,000 took
# 7.3 GB before the process was killed. Past 256 the best candidate no longer improves.
MAX_CANDIDATES = 256
MAX_ECHO = 80
# One template line may fan out into many scenes ("seeds": 5000); past this a typo ("seeds":
# 10**9) would only fill the disk.
MAX_VARIANTS = 100_000
PLACEHOLDERS = ("{seed}", "{index}")


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


def _description(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise JobError(f"'description' must be text, not {type(value).__name__} "
                       f"{_shown(value)}")
    try:
        return clean_description(value)
    except PromptError as error:
        raise JobError(f"'description': {error}") from None


def _seeds(value, first: int) -> tuple[int, ...] | None:
    """"seeds": a count (seeds first, first+1, ...) or a list of distinct seeds."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        _integer("seeds", value, 1, MAX_VARIANTS, "a count of variants")
        if first + value - 1 > MAX_SEED:
            raise JobError(f"'seeds' {value} from seed {first} passes the largest seed {MAX_SEED}")
        return tuple(range(first, first + value))
    if not isinstance(value, list | tuple) or not value:
        raise JobError(f"'seeds' must be a count or a non-empty list of seeds, not "
                       f"{_shown(value)}")
    if len(value) > MAX_VARIANTS:
        raise JobError(f"'seeds' lists {len(value)} seeds; at most {MAX_VARIANTS} a job")
    seeds = tuple(_integer("seeds", v, 0, MAX_SEED, "a 32-bit unsigned seed") for v in value)
    if len(set(seeds)) != len(seeds):
        raise JobError(f"'seeds' repeats a seed: {_shown(list(value))}")
    return seeds


def _fill(name: str, path: str | None, seed: int, index: int) -> str | None:
    """An output path with {seed} and {index} filled in; JobError for any other {...}."""
    if path is None:
        return None
    try:
        return path.format(seed=seed, index=index)
    except (KeyError, IndexError, ValueError) as error:
        raise JobError(f"'{name}' {_shown(path)}: only {{seed}} and {{index}} may stand in "
                       f"braces ({type(error).__name__}: {error})") from None


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
    seeds: tuple[int, ...] | int | None = None  # variants: a count from `seed`, or a list
    description: str | None = None  # the whole scene in words, instead of `relations`
    suggest: bool = False  # the typical relations of the scene's objects, without text
    label: str = field(default="command line", compare=False)  # where the job came from

    def __post_init__(self):
        def put(name, value):  # frozen: the validator normalises in place
            object.__setattr__(self, name, value)

        put("blend", _path("blend", self.blend))
        if not isinstance(self.relations, list | tuple):
            raise JobError("'relations' must be a list of [base, target, prompt], not "
                           f"{type(self.relations).__name__} {_shown(self.relations)}")
        put("relations", tuple(_relation(i, r) for i, r in enumerate(self.relations)))
        put("description", _description(self.description))
        if self.description is not None and self.relations:
            raise JobError("give 'relations' or a 'description', not both")
        if not isinstance(self.suggest, bool):
            raise JobError(f"'suggest' must be true or false, not "
                           f"{type(self.suggest).__name__} {_shown(self.suggest)}")
        if self.suggest and (self.relations or self.description is not None):
            raise JobError("'suggest' finds the relations itself: give no 'relations' or "
                           "'description' with it")
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
        put("seeds", _seeds(self.seeds, self.seed))
        for name in ("save", "report"):
            _fill(name, getattr(self, name), 0, 0)  # a wrong placeholder fails here, once
            if self.seeds and len(self.seeds) > 1 and getattr(self, name) \
                    and not any(p in getattr(self, name) for p in PLACEHOLDERS):
                raise JobError(f"'{name}' {_shown(getattr(self, name))}: with "
                               f"{len(self.seeds)} seeds each variant needs its own file; put "
                               "{seed} or {index} in the name")
        if self.save and self.report and _same_file(self.save, self.report):
            raise JobError(f"'save' and 'report' name the same file {_shown(self.save)}")

    def outputs(self) -> list[str]:
        return [p for p in (self.save, self.report) if p]

    def variants(self) -> Iterator[Job]:
        """One job per seed, {seed} and {index} filled in: what actually runs (lazily: one
        template line may stand for a million scenes)."""
        seeds = self.seeds or (self.seed,)
        many = len(seeds) > 1
        for i, seed in enumerate(seeds):
            yield replace(self, seed=seed, seeds=None, save=_fill("save", self.save, seed, i),
                          report=_fill("report", self.report, seed, i),
                          label=f"{self.label} seed {seed}" if many else self.label)

    def key(self) -> str:
        """What identifies the work across runs (--resume): every field but the label."""
        record = {name: getattr(self, name) for name in FIELDS}
        text = json.dumps(record, sort_keys=True, default=list)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


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
    """One job to run (a non-empty line of a jobs file, or one of its seeds), or why it cannot
    run."""
    number: int
    label: str
    job: Job | None = None
    error: str | None = None
    variant: int = 0

    def key(self) -> str:
        """Identifies the work across runs; a line that cannot run is keyed by its place."""
        return self.job.key() if self.job is not None else f"line {self.number}"


def _parse(text: str | None, defaults: Job, label: str) -> Job:
    """The job of one line (None: not UTF-8); JobError says why there is none."""
    if text is None:
        raise JobError("the line is not UTF-8 text")
    try:
        return job_from_record(json.loads(text), defaults, label)
    except json.JSONDecodeError as error:
        raise JobError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except (TypeError, ValueError, RecursionError) as error:  # JobError is a ValueError
        raise JobError(str(error) or type(error).__name__) from None


def _digest(path: str) -> bytes:
    return hashlib.blake2b(_file_key(path).encode("utf-8", "surrogatepass"), digest_size=8).digest()


class JobFile:
    """A jobs file read as a stream: `len()` counts the jobs (seeds expanded), iterating yields
    them one at a time, each validated on its own, so ten thousand lines cost what one does.
    Two jobs that would write one file are refused on both lines (a first pass remembers an
    8-byte digest per output, no jobs). OSError only when the file itself cannot be read."""

    def __init__(self, path: str, defaults: Job):
        self.path, self.defaults, self.name = path, defaults, Path(path).name
        self.total = 0
        self.folders: set[Path] = set()  # where outputs go (stale temporaries are cleaned)
        self._writers: dict[bytes, int] = {}  # output digest -> first line writing it
        self._shared: dict[bytes, list[int]] = {}  # outputs written by several lines
        for number, job, _error in self._records():
            if job is None:
                self.total += 1
                continue
            if not job.outputs():
                self.total += len(job.seeds or (job.seed,))
                continue
            for variant in job.variants():
                self.total += 1
                for output in variant.outputs():
                    self.folders.add(Path(output).parent)
                    digest = _digest(output)
                    first = self._writers.setdefault(digest, number)
                    if first != number or digest in self._shared:
                        lines = self._shared.setdefault(digest, [first])
                        if number not in lines:
                            lines.append(number)
        del self._writers

    def _records(self):
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
                if text is not None and not text.strip():
                    continue
                try:
                    yield number, _parse(text, self.defaults, f"{self.name}:{number}"), None
                except JobError as error:
                    yield number, None, str(error)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[JobLine]:
        for number, job, error in self._records():
            label = f"{self.name}:{number}"
            if job is None:
                yield JobLine(number, label, error=error)
                continue
            for index, variant in enumerate(job.variants()):
                shared = self._shared_output(variant, number)
                yield JobLine(number, variant.label, *((None, shared) if shared else (variant,)),
                              variant=index)

    def _shared_output(self, job: Job, number: int) -> str | None:
        for output in job.outputs():
            lines = self._shared.get(_digest(output))
            if lines:
                others = ", ".join(str(n) for n in lines if n != number) or str(number)
                return (f"its output {_shown(_file_key(output))} is also written by line "
                        f"{others}; give each job its own file")
        return None


def read_jobs(path: str, defaults: Job) -> list[JobLine]:
    """Every job of a jobs file as a list (see JobFile for the stream)."""
    return list(JobFile(path, defaults))
