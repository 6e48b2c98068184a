import subprocess
import sys
import textwrap

import pytest

from libs.journal import Journal, JournalInUse


def test_a_second_writer_gets_journal_in_use_until_the_first_closes(tmp_path):
    first = Journal(tmp_path)
    first.append({"n": 1})
    with pytest.raises(JournalInUse, match=r"is in use by another process \(pid \d+\)"):
        Journal(tmp_path)
    first.close()
    second = Journal(tmp_path)
    assert second.append({"n": 2}) == 2
    second.close()


def test_the_lock_of_a_killed_writer_is_released_by_the_kernel(tmp_path):
    code = textwrap.dedent(
        f"""
        import sys, time
        from libs.journal import Journal
        Journal({str(tmp_path)!r}).append({{"n": 1}})
        print("open", flush=True)
        time.sleep(60)
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "open\n"
        with pytest.raises(JournalInUse, match=f"pid {writer.pid}"):
            Journal(tmp_path)
    finally:
        writer.kill()
        writer.wait()
    reopened = Journal(tmp_path)
    assert [r.data for r in reopened.replay(after=0)] == [{"n": 1}]
    reopened.close()


def test_checkpoint_drops_covered_segments_without_reading_them_again(tmp_path):
    journal = Journal(tmp_path)
    for n in range(3):
        journal.append({"n": n})
    journal.checkpoint(3)
    journal.append({"n": 3})
    journal.close()
    journal = Journal(tmp_path)
    older = sorted(tmp_path.glob("*.wal"))[0]
    older.write_bytes(b"not json\n")  # a checkpoint that re-read it would fail here
    journal.checkpoint(4)
    assert sorted(p.name for p in tmp_path.glob("*.wal")) == [f"{5:020d}.wal"]
    journal.close()


def test_records_appended_while_a_snapshot_was_written_outlive_its_checkpoint(tmp_path):
    journal = Journal(tmp_path)
    journal.append({"n": 1})
    covered = journal.seq  # the snapshot is serialised here...
    journal.append({"n": 2})  # ...and this record arrives while its file is written
    journal.checkpoint(covered)
    journal.append({"n": 3})
    assert [r.data["n"] for r in journal.replay(after=covered)] == [2, 3]
    journal.checkpoint(journal.seq)
    assert list(journal.replay(after=3)) == []
    journal.close()
