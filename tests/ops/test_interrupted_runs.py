"""Runs always end: a worker or a command-line import killed with SIGKILL in the middle of an
import leaves a run that the next worker (or the next `teamalign import`) marks *interrupted*,
with its task failed, nothing half-written, and a re-run that works — on SQLite and PostgreSQL.

The original fault: the killed worker's run stayed `running` and its task RUNNING for ever (a
restarted worker only takes ready tasks), and a command-line import killed just after its commit
left 17 tickets stored under a run that said it was still running.
"""

from __future__ import annotations

import pytest

from .conftest import TICKETS, TICKETS_IN_FIXTURE

pytestmark = pytest.mark.slow


def test_a_worker_killed_mid_import_leaves_a_run_the_next_worker_marks_interrupted(scratch):
    scratch.setup_acme()
    run_id = scratch.enqueue_upload()
    worker, reached = scratch.spawn_paused("worker", "--interval", "0.2", after="write")
    scratch.wait_for(reached, worker)
    scratch.kill_9(worker)

    # The state the fault left: the run says running, its task RUNNING, and no ticket committed.
    [run] = scratch.runs()
    assert (run["id"], run["status"]) == (run_id, "running")
    assert scratch.tasks()["teamalign.orgs.tasks.import_run_job"] == "RUNNING"
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == 0

    scratch.teamalign("worker", "--batch", "--interval", "0")  # a restarted worker

    [run] = scratch.runs()
    assert run["status"] == "interrupted"
    [error] = run["errors"]
    assert error["kind"] == "interrupted"
    assert error["text"].startswith(f"{TICKETS.name}: the import was interrupted because the background worker")
    assert "nothing was changed" in error["text"]
    assert scratch.tasks()["teamalign.orgs.tasks.import_run_job"] == "FAILED"
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == 0
    assert scratch.value("SELECT COUNT(*) FROM ops_lease") == 0  # the dead worker's lease went with it

    # The one-click re-run, from the stored file.
    scratch.python(f"""
        from teamalign.orgs.import_runs import import_run_rerun
        from teamalign.orgs.models import ImportRun
        import_run_rerun(run=ImportRun.objects.get(pk={run_id}), user=None)
    """)
    scratch.teamalign("worker", "--batch", "--interval", "0")
    first, retry = scratch.runs()
    assert (retry["status"], retry["retry_of"], retry["created"]) == ("succeeded", run_id, TICKETS_IN_FIXTURE)
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == TICKETS_IN_FIXTURE


def test_a_command_line_import_killed_mid_write_is_marked_interrupted_by_the_next_import(scratch):
    scratch.setup_acme()
    importer, reached = scratch.spawn_paused("import", "tickets", str(TICKETS), "--org", "acme", after="write")
    scratch.wait_for(reached, importer)
    scratch.kill_9(importer)
    [run] = scratch.runs()
    assert run["status"] == "running"
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == 0  # written, never committed

    again = scratch.teamalign("import", "tickets", str(TICKETS), "--org", "acme")

    assert f"import run #{run['id']} ({TICKETS.name}) was left unfinished" in " ".join(again.stdout.split())
    first, second = scratch.runs()
    assert first["status"] == "interrupted"
    assert "the command-line import running it stopped" in first["errors"][0]["text"]
    assert (second["status"], second["created"]) == ("succeeded", TICKETS_IN_FIXTURE)
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == TICKETS_IN_FIXTURE


def test_a_command_line_import_killed_just_after_its_commit_has_its_result_recorded(scratch):
    scratch.setup_acme()
    importer, reached = scratch.spawn_paused("import", "tickets", str(TICKETS), "--org", "acme", after="commit")
    assert importer.wait(timeout=300) == -9  # it killed itself the instant the import committed
    assert reached.read_text() == "committed"

    # The data and the run's result were one commit: never tickets under a run still "running".
    [run] = scratch.runs()
    assert (run["status"], run["created"]) == ("succeeded", TICKETS_IN_FIXTURE)
    assert scratch.value("SELECT COUNT(*) FROM tickets_ticket") == TICKETS_IN_FIXTURE
    # Nothing for the next process to clean up but the dead lease.
    scratch.teamalign("worker", "--batch", "--interval", "0")
    assert [r["status"] for r in scratch.runs()] == ["succeeded"]
    assert scratch.value("SELECT COUNT(*) FROM ops_lease") == 0


def test_a_live_worker_is_not_taken_for_dead(scratch):
    """While a worker works (here: held inside its import's transaction), other processes —
    another worker, a command-line import — leave its run alone."""
    scratch.setup_acme()
    scratch.enqueue_upload()
    worker, reached = scratch.spawn_paused("worker", "--interval", "0.2", after="write")
    try:
        scratch.wait_for(reached, worker)
        scratch.python("""
            from teamalign.ops.reaper import interrupted_mark
            reaped = interrupted_mark()
            assert not reaped.runs and not reaped.tasks and not reaped.leases, reaped
        """)
        assert [r["status"] for r in scratch.runs()] == ["running"]
    finally:
        scratch.kill_9(worker)
