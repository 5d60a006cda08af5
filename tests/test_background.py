"""tests/background.py: a job runs once, in the background, and what it started is closed at the end."""

import threading

from tests.background import Background, command


def test_a_job_runs_once_in_the_background_and_what_it_started_is_closed():
    runs: list[tuple[int, object]] = []
    closed: list[int] = []
    job = Background(lambda workdir: runs.append((threading.get_ident(), workdir)) or len(runs), close=closed.append)
    job.start()
    job.start()
    assert job.result() == 1 and job.result() == 1
    (thread, workdir), = runs
    assert thread != threading.get_ident() and workdir.is_dir()
    job.finish()
    assert closed == [1] and not workdir.exists()


def test_a_command_gets_a_folder_of_its_own_and_its_output():
    job = command(["sh", "-c", "echo hi > {workdir}/out; cat {workdir}/out; echo oops >&2; exit 3"])
    done, workdir = job.result()
    assert (done.returncode, done.stdout, done.stderr) == (3, "hi\n", "oops\n")
    assert (workdir / "out").read_text() == "hi\n"
    job.finish()
