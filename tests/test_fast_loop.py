"""The fast loop (`python -m pytest -m "not browser and not server"`): what it leaves out, where it runs."""

import subprocess
import sys

import conftest


class Config:
    """What the conftest's hooks read of a run: its -m expression."""

    def __init__(self, markexpr):
        self.markexpr = markexpr

    def getoption(self, name):
        assert name == "markexpr"
        return self.markexpr


def test_only_the_fast_loop_spreads_over_the_cores():
    assert conftest.pytest_xdist_auto_num_workers(Config('not browser and not server')) is None  # xdist's count
    for whole_or_slow in ("", None, "browser", "server", "not browser"):
        assert conftest.pytest_xdist_auto_num_workers(Config(whole_or_slow)) == 0  # one process, as CI runs


def _starts_python():
    return subprocess.run([sys.executable, "-c", "pass"], check=True)


def _reads_a_file(path):
    return open(path).read()


def _a_test_that_starts_a_server():
    with conftest.RunningServer:  # never called: only its names are read
        pass


def _a_test_that_calls_a_helper_that_starts_python():
    def inner():
        return _starts_python()
    return inner()


def _a_test_that_only_reads():
    return _reads_a_file(__file__).count("def")


# Looked up by name, so that the test below does not itself call a function that starts a process
# (it would then be marked `server` too, and leave the fast loop).
STARTS = {"itself": _starts_python, "a server": _a_test_that_starts_a_server,
          "through a helper": _a_test_that_calls_a_helper_that_starts_python}
DOES_NOT = {"reads": _a_test_that_only_reads, "the helper it calls": _reads_a_file}


def test_a_test_that_starts_a_process_itself_or_through_a_helper_is_marked_and_one_that_does_not_is_not():
    conftest._starts_a_process.cache_clear()
    assert [name for name, test in STARTS.items() if not conftest._starts_a_process(test)] == []
    assert [name for name, test in DOES_NOT.items() if conftest._starts_a_process(test)] == []
