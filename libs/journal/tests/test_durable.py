import asyncio

from libs.journal import DurableState


def test_a_failing_snapshot_is_retried_by_the_next_record_not_in_a_loop(tmp_path):
    durable = DurableState(tmp_path, "demo", lambda: {"n": 1}, every=1)
    attempts = []

    def broken_disk(name, payload):
        attempts.append(name)
        raise OSError("no space left on device")

    durable.store.save = broken_disk

    async def go():
        for change in range(3):
            durable.log({"add": change})
            await asyncio.sleep(0.05)  # let the scheduled snapshot run and fail

    asyncio.run(asyncio.wait_for(go(), timeout=5))
    durable.journal.close()

    assert attempts == ["demo", "demo", "demo"]
    assert durable.failures == 3 and "no space left on device" in durable.last_error
    state, changes = DurableState(tmp_path, "demo", dict).restore()
    assert state is None and list(changes) == [{"add": 0}, {"add": 1}, {"add": 2}]
