"""The collector paused for imports (issue 20): paused in the block, running after it, and what the
imports made frozen out of later collections only when the block imported something."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

from reporter.collector import gc_paused, imports_paused


def test_a_block_of_imports_pauses_the_collector_and_freezes_what_it_imported():
    code = textwrap.dedent("""
        import gc, sys
        from reporter.collector import imports_paused
        assert gc.isenabled() and gc.get_freeze_count() == 0
        with imports_paused():
            assert not gc.isenabled()
            import fractions, statistics  # modules this process has not imported yet
        assert gc.isenabled()
        frozen = gc.get_freeze_count()
        assert frozen > 1000, frozen
        with imports_paused():
            import fractions  # already imported: nothing new
        assert gc.get_freeze_count() == frozen  # nothing more frozen
        garbage = []
        garbage.append(garbage)  # a cycle made after the freeze is still collected
        del garbage
        assert gc.collect() >= 1
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


def test_pauses_nest_and_resume_only_what_was_running():
    assert gc.isenabled()
    with imports_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still holds the pause
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


def test_a_one_packet_build_freezes_its_imports(tmp_path):
    from conftest import EXAMPLE

    code = ("import gc, sys; from reporter.cli import main; rc = main(sys.argv[1:]); "
            "print(rc, gc.isenabled(), gc.get_freeze_count() > 10000)")
    done = subprocess.run([sys.executable, "-c", code, "build", str(EXAMPLE), "--out", str(tmp_path), "--formats", "pdf",
                           "-q", "--jobs", "1", "--as-of", "2026-11-28"], capture_output=True, text=True)
    assert done.stdout.split() == ["0", "True", "True"], done.stderr[-2000:]
