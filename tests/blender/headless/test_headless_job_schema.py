"""The one job validator (jobs file, command line, Python API): every malformed job is refused
with a message that names the field and why, alone, and nothing is silently coerced."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oor_arrange.headless.jobs import (
    FIELDS,
    MAX_CANDIDATES,
    MAX_SEED,
    Job,
    JobError,
    job_from_record,
    read_jobs,
)

GOOD = {"blend": "in.blend", "relations": [["Table", "Cup", "A cup on a table"]],
        "save": "out.blend", "report": "out.json"}
DEFAULTS = Job()


def with_(**changes):
    record = dict(GOOD)
    record.update(changes)
    return record


BAD_RECORDS = [
    ("blend is a number", with_(blend=123), "'blend' must be a file path"),
    ("blend is empty", with_(blend="  "), "'blend' must be a file path"),
    ("blend is a list", with_(blend=["a.blend"]), "'blend' must be a file path"),
    ("save is a number", with_(save=5), "'save' must be a file path"),
    ("save is not a .blend", with_(save="out.txt"), "must end in .blend"),
    ("save has a NUL", with_(save="out\0.blend"), "NUL"),
    ("report is a bool", with_(report=True), "'report' must be a file path"),
    ("save and report are one file", with_(save="x.blend", report="x.blend"), "same file"),
    ("seed is null", with_(seed=None), "'seed' must be a whole number"),
    ("seed is a float", with_(seed=1.5), "'seed' must be a whole number, not float 1.5"),
    ("seed is a whole float", with_(seed=2.0), "'seed' must be a whole number"),
    ("seed is a string", with_(seed="7"), "'seed' must be a whole number"),
    ("seed is a bool", with_(seed=True), "'seed' must be a whole number"),
    ("seed is negative", with_(seed=-1), "'seed' -1 is out of range"),
    ("seed is huge", with_(seed=10**30), "'seed' 1000000000000000000000000000000 is out of range"),
    ("seed just past 32 bits", with_(seed=MAX_SEED + 1), "out of range 0..4294967295"),
    ("candidates zero", with_(candidates=0), "'candidates' 0 is out of range 1..256"),
    ("candidates a million", with_(candidates=1_000_000), "out of range 1..256"),
    ("candidates a float", with_(candidates=16.0), "'candidates' must be a whole number"),
    ("candidates a string", with_(candidates="16"), "'candidates' must be a whole number"),
    ("keep_size a string", with_(keep_size="false"), "'keep_size' must be true or false"),
    ("keep_size a number", with_(keep_size=0), "'keep_size' must be true or false"),
    ("mode unknown", with_(mode="bogus"), "'mode' must be one of sample, refine"),
    ("mode not text", with_(mode=1), "'mode' must be one of"),
    ("mode in capitals", with_(mode="SAMPLE"), "'mode' must be one of"),
    ("unknown field", with_(seed_list=[1, 2]), "unknown job field(s): 'seed_list'"),
    ("seeds zero", with_(seeds=0), "'seeds' 0 is out of range 1..100000"),
    ("seeds a float", with_(seeds=2.5), "'seeds' must be a count or a non-empty list"),
    ("seeds an empty list", with_(seeds=[]), "'seeds' must be a count or a non-empty list"),
    ("seeds repeat", with_(seeds=[3, 3], save="{seed}.blend", report="{seed}.json"),
     "'seeds' repeats a seed"),
    ("seeds hold a string", with_(seeds=[1, "2"]), "'seeds' must be a whole number"),
    ("seeds past 32 bits", with_(seed=MAX_SEED, seeds=2), "passes the largest seed"),
    ("seeds without a placeholder", with_(seeds=[1, 2], report="r_{seed}.json"),
     "'save' 'out.blend': with 2 seeds each variant needs its own file"),
    ("an unknown placeholder", with_(save="out_{frame}.blend"),
     "only {seed} and {index} may stand in braces"),
    ("an unclosed brace", with_(report="out_{seed.json"), "only {seed} and {index}"),
    ("description not text", with_(relations=[], description=["A desk"]),
     "'description' must be text"),
    ("description empty", with_(relations=[], description=" \u200b "),
     "'description': Type a description of the scene"),
    ("description and relations", with_(description="A mug on the table"),
     "give 'relations' or a 'description', not both"),
    ("suggest a string", with_(relations=[], suggest="yes"), "'suggest' must be true or false"),
    ("suggest with relations", with_(suggest=True), "'suggest' finds the relations itself"),
    ("description too long", with_(relations=[], description="A mug on a table. " * 200),
     "characters long"),
    ("misspelt field", with_(relation=[]), "unknown job field(s): 'relation'"),
    ("relations a string", with_(relations="Table Cup"), "'relations' must be a list"),
    ("relations a dict", with_(relations={"a": 1}), "'relations' must be a list"),
    ("relation of two", with_(relations=[["Table", "Cup"]]), "must be [base, target, prompt]"),
    ("relation of four", with_(relations=[["T", "C", "p", "x"]]), "must be [base, target"),
    ("relation a string", with_(relations=["Table Cup prompt"]), "must be [base, target"),
    ("base not text", with_(relations=[[1, "Cup", "A cup on a table"]]), "the base must be"),
    ("target empty", with_(relations=[["Table", " ", "A cup on a table"]]), "the target must"),
    ("same object twice", with_(relations=[["Cup", "Cup", "A cup on a cup"]]),
     "cannot be both base and target"),
    ("prompt empty", with_(relations=[["Table", "Cup", ""]]), "Type a prompt"),
    ("prompt only spaces", with_(relations=[["Table", "Cup", " \t\n "]]), "Type a prompt"),
    ("prompt only zero-width spaces", with_(relations=[["Table", "Cup", "\u200b\u200b\u2060"]]),
     "Type a prompt"),
    ("prompt only control characters", with_(relations=[["Table", "Cup", "\x00\x07\x1b"]]),
     "Type a prompt"),
    ("prompt only bidi marks and BOM", with_(relations=[["Table", "Cup", "\u200e\u202e\ufeff"]]),
     "Type a prompt"),
    ("prompt not text", with_(relations=[["Table", "Cup", 42]]), "the prompt must be text"),
    ("prompt too long", with_(relations=[["Table", "Cup", "A cup " * 100]]),
     "characters long"),
    ("settle a string", with_(settle="yes"), "'settle' must be true or false"),
    ("axes a list", with_(axes=["Cup", "+Y"]), "'axes' must map object names"),
    ("axes of an object a string", with_(axes={"Cup": "+Y"}), "axes of 'Cup' must be"),
    ("axes with an unknown key", with_(axes={"Cup": {"upward": "+Y"}}), "unknown key(s) 'upward'"),
    ("axes with a bad axis", with_(axes={"Cup": {"up": "Y", "front": "+Z"}}),
     "'up' must be a local axis such as"),
    ("axes up without front", with_(axes={"Cup": {"up": "+Y"}}), "give both 'up' and 'front'"),
    ("axes up along front", with_(axes={"Cup": {"up": "+Y", "front": "-y"}}),
     "must be perpendicular"),
    ("axes with edge and spout", with_(axes={"Pot": {"edge": "+X", "spout": "-X"}}),
     "'edge' or a 'spout', not both"),
    ("a record that is a list", [GOOD], "a job must be a JSON object"),
    ("a record that is a number", 7, "a job must be a JSON object"),
    ("a record that is null", None, "a job must be a JSON object"),
]


@pytest.mark.parametrize("record, message", [(r, m) for _, r, m in BAD_RECORDS],
                         ids=[name for name, _, _ in BAD_RECORDS])
def test_a_malformed_job_is_refused_naming_why(record, message):
    with pytest.raises(JobError) as caught:
        job_from_record(record, DEFAULTS, "jobs.jsonl:1")
    assert message in str(caught.value)


def test_the_python_api_uses_the_same_validator():
    with pytest.raises(JobError, match="'keep_size' must be true or false"):
        Job(relations=[("Table", "Cup", "A cup on a table")], keep_size="false")
    with pytest.raises(JobError, match="'candidates' 1000 is out of range"):
        Job(candidates=1000)


def test_axes_are_written_as_users_write_them_and_normalised():
    job = job_from_record(with_(axes={"Teapot": {"up": "+y", "front": "POS_X"},
                                      "Knife": {"edge": "-X"}, "Mug": "detect"}),
                          DEFAULTS, "jobs.jsonl:1")
    assert job.axes == {"Teapot": {"up": "POS_Y", "front": "POS_X"},
                        "Knife": {"edge": "NEG_X"}, "Mug": "detect"}


def test_bounds_themselves_are_accepted():
    job = job_from_record(with_(seed=MAX_SEED, candidates=MAX_CANDIDATES), DEFAULTS, "x")
    assert (job.seed, job.candidates) == (MAX_SEED, MAX_CANDIDATES)
    assert job_from_record(with_(seed=0, candidates=1), DEFAULTS, "x").candidates == 1


def test_prompts_are_normalised_before_they_are_checked():
    fancy = "\u200bA\u00a0ｔｅａｃｕｐ on\u2028a table\u200d"
    job = job_from_record(with_(relations=[["Table", "Cup", fancy]]), DEFAULTS, "x")
    assert job.relations[0][2] == "A teacup on a table"


def test_a_message_never_echoes_more_than_80_characters_of_a_prompt():
    prompt = "A teacup on a table " + "x" * 500
    with pytest.raises(JobError) as caught:
        job_from_record(with_(relations=[["Table", "Cup", prompt]]), DEFAULTS, "x")
    message = str(caught.value)
    assert "'A teacup on a table xx" in message  # the user sees which prompt ...
    assert message.count("x") <= 80 - len("A teacup on a table ")  # ... but not all of it


def test_fields_left_out_come_from_the_command_line_but_outputs_do_not():
    defaults = Job(blend="cli.blend", seed=9, mode="refine", candidates=4, keep_size=False,
                   save="cli.blend", report="cli.json")
    job = job_from_record({"relations": GOOD["relations"]}, defaults, "x")
    assert (job.blend, job.seed, job.mode, job.candidates, job.keep_size) == (
        "cli.blend", 9, "refine", 4, False)
    assert job.save is None and job.report is None


def write_lines(path, lines):
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode()
                                for line in lines) + b"\n")


def test_each_bad_line_fails_alone_and_good_lines_still_run(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    write_lines(jobs, [json.dumps(with_(save="a.blend", report="a.json")),
                       "{not json", "", "[1, 2]", b"\xff\xfe not utf-8",
                       json.dumps(with_(seed=None, save="b.blend", report="b.json")),
                       json.dumps(with_(save="c.blend", report="c.json"))])
    lines = read_jobs(str(jobs), DEFAULTS)
    assert [line.number for line in lines] == [1, 2, 4, 5, 6, 7]  # the empty line is skipped
    assert [line.job is not None for line in lines] == [True, False, False, False, False, True]
    errors = {line.number: line.error for line in lines if line.error}
    assert "not valid JSON" in errors[2]
    assert "a job must be a JSON object" in errors[4]
    assert "not UTF-8" in errors[5]
    assert "'seed' must be a whole number" in errors[6]
    assert all(line.label == f"jobs.jsonl:{line.number}" for line in lines)


def test_two_jobs_writing_one_file_are_both_refused_before_anything_runs(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    write_lines(jobs, [json.dumps(with_(save="same.blend", report="1.json")),
                       json.dumps(with_(save="other.blend", report="2.json")),
                       json.dumps(with_(save="./same.blend", report="3.json")),
                       json.dumps(with_(save="4.blend", report="2.json"))])
    lines = read_jobs(str(jobs), DEFAULTS)
    assert [line.job is None for line in lines] == [True, True, True, True]
    assert "also written by line 3" in lines[0].error
    assert "also written by line 1" in lines[2].error
    assert "also written by line 4" in lines[1].error


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)
# A handful of variants at most: a count of thousands is valid and only slow to list.
small_seeds = st.integers(-2, 4) | st.lists(st.integers(-1, 6), max_size=4) | json_values.filter(
    lambda value: not isinstance(value, int | list))
job_like = st.fixed_dictionaries({}, optional={
    name: small_seeds if name == "seeds" else json_values for name in FIELDS})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=st.one_of(json_values, job_like))
def test_fuzz_any_json_is_a_job_or_a_clear_refusal(record):
    try:
        job = job_from_record(record, DEFAULTS, "fuzz:1")
    except JobError as error:
        assert str(error) and len(str(error)) < 600
        return
    assert isinstance(job.seed, int) and 0 <= job.seed <= MAX_SEED
    assert isinstance(job.keep_size, bool) and job.mode in ("sample", "refine")
    assert 1 <= job.candidates <= MAX_CANDIDATES


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=st.lists(st.binary(max_size=40) | st.builds(json.dumps, job_like).map(str.encode),
                    max_size=8))
def test_fuzz_any_jobs_file_gives_one_entry_per_non_empty_line(tmp_path, raw):
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in raw]
    jobs = tmp_path / "fuzz.jsonl"
    jobs.write_bytes(b"\n".join(lines) + b"\n")
    entries = read_jobs(str(jobs), DEFAULTS)
    expected = [n for n, line in enumerate(lines, 1)
                if not (line.decode("utf-8", "replace").strip() == "" and _utf8(line))]
    assert list(dict.fromkeys(entry.number for entry in entries)) == expected
    assert all((entry.job is None) != (entry.error is None) for entry in entries)
    for number in expected:  # one entry per line, or one per seed of a line that has seeds
        mine = [entry for entry in entries if entry.number == number]
        assert [entry.variant for entry in mine] == list(range(len(mine)))


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_seeds_fan_out_one_job_per_seed_each_with_its_own_files(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    write_lines(jobs, [json.dumps(with_(seeds=[0, 100], save="scene_{seed}.blend",
                                        report="r/{index}_{seed}.json")),
                       json.dumps(with_(seed=7, seeds=3, save="c{index}.blend", report=None)),
                       json.dumps(with_(save="one_{seed}.blend", report=None, seed=5))])
    lines = read_jobs(str(jobs), DEFAULTS)
    got = [(line.number, line.variant, line.job.seed, line.job.save, line.job.report)
           for line in lines]
    assert got == [(1, 0, 0, "scene_0.blend", "r/0_0.json"),
                   (1, 1, 100, "scene_100.blend", "r/1_100.json"),
                   (2, 0, 7, "c0.blend", None), (2, 1, 8, "c1.blend", None),
                   (2, 2, 9, "c2.blend", None),
                   (3, 0, 5, "one_5.blend", None)]
    assert lines[0].label == "jobs.jsonl:1 seed 0" and lines[5].label == "jobs.jsonl:3"
    assert len({line.key() for line in lines}) == 6  # each variant is its own work


def test_variants_of_two_lines_writing_one_file_are_refused(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    write_lines(jobs, [json.dumps(with_(seeds=[1, 2], save="s_{seed}.blend", report=None)),
                       json.dumps(with_(seed=2, save="s_2.blend", report=None))])
    lines = read_jobs(str(jobs), DEFAULTS)
    assert [line.job is None for line in lines] == [False, True, True]
    assert "also written by line 2" in lines[1].error
    assert "also written by line 1" in lines[2].error


def test_a_job_keeps_its_key_across_reads_and_a_changed_line_gets_a_new_one(tmp_path):
    jobs = tmp_path / "jobs.jsonl"
    write_lines(jobs, [json.dumps(with_(seed=1)), json.dumps(with_(seed=2, save="b.blend",
                                                                    report="b.json"))])
    first = [line.key() for line in read_jobs(str(jobs), DEFAULTS)]
    assert first == [line.key() for line in read_jobs(str(jobs), DEFAULTS)]
    write_lines(jobs, [json.dumps(with_(seed=1)), json.dumps(with_(seed=3, save="b.blend",
                                                                    report="b.json"))])
    second = [line.key() for line in read_jobs(str(jobs), DEFAULTS)]
    assert second[0] == first[0] and second[1] != first[1]
