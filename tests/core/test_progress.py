"""Progress lines of long runs (training, evaluation, batches) when not on a terminal."""

import io

from oor_core.progress import Progress


def test_plain_lines_give_count_rate_time_left_and_notes():
    stream = io.StringIO()
    progress = Progress(200, "oor_batch", stream=stream, every=0.0, unit="job")
    assert progress.bar is None  # a StringIO is no terminal
    progress.update(50)
    progress.note(failed=2)
    progress.update(50)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("oor_batch: 50/200 (25 %), ")
    assert "job/s" in lines[0] and "left" in lines[0]
    assert lines[1].startswith("oor_batch: 100/200 (50 %)") and lines[1].endswith("failed 2")
    assert lines[-1].startswith("oor_batch: 100/200")  # the closing line


def test_no_line_before_its_interval_and_none_at_close_when_asked():
    stream = io.StringIO()
    progress = Progress(10, "evaluating", stream=stream, every=3600.0, final_line=False)
    for _ in range(10):
        progress.update()
    progress.close()
    assert stream.getvalue() == ""
    assert progress.line().startswith("evaluating: 10/10 (100 %)")


def test_a_terminal_gets_a_bar_that_messages_do_not_break():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with Progress(3, "training", stream=stream, unit="step") as progress:
        assert progress.bar is not None
        progress.update()
        progress.write("probe: 0.9")
    text = stream.getvalue()
    assert "probe: 0.9" in text and "training" in text
