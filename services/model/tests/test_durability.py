import asyncio

from libs.journal import LocalSnapshots
from services.model.durability import DurableLearner
from services.model.learner import Learner
from services.model.tests.conftest import airline_bodies

LINE_UP = ["linear_regression", "hw_airline_mean"]


def learn(body: dict) -> dict:
    return {"op": "learn", "predict": True, **body}


def open_durable(state_dir, store=None, **options) -> DurableLearner:
    return DurableLearner.open(Learner(LINE_UP), state_dir, store, **options)


def die(durable: DurableLearner) -> None:
    """What kill -9 does to the state: descriptors closed, no snapshot."""
    durable.journal.close()


def test_records_after_a_snapshot_of_an_idle_journal_survive_two_crashes(tmp_path):
    bodies = airline_bodies()
    durable = open_durable(tmp_path)
    for body in bodies[:5]:
        durable.commit(learn(body))
    asyncio.run(durable.snapshot())  # covers 1..5 and leaves an empty journal segment
    die(durable)  # the first process died without another record
    crashed = open_durable(tmp_path)
    crashed.commit(learn(bodies[5]))
    die(crashed)  # and so did the second, right after acknowledging #6
    again = open_durable(tmp_path)
    assert again.learner.count == 6
    assert again.journal.seq == 6


def test_a_failed_snapshot_keeps_the_journal_and_loses_nothing(tmp_path):
    class Unreachable:
        def save(self, name, payload):
            raise ConnectionError("S3 is down")

        def load(self, name):
            return None

    durable = open_durable(tmp_path, store=Unreachable())
    for body in airline_bodies()[:8]:
        durable.commit(learn(body))
    asyncio.run(durable.snapshot())
    assert durable.covered == 0
    die(durable)
    assert open_durable(tmp_path).learner.count == 8


def test_snapshots_are_taken_every_n_records_and_restore_with_the_journal_tail(tmp_path):
    bodies = airline_bodies()
    store = LocalSnapshots(tmp_path / "snapshots")

    async def run() -> list[dict]:
        durable = open_durable(tmp_path, store, every=10)
        answers = []
        for body in bodies[:25]:
            answers.append(durable.commit(learn(body)))
            await asyncio.sleep(0)  # let a scheduled snapshot run, as between requests
        await asyncio.sleep(0.2)
        die(durable)
        return answers

    asyncio.run(run())
    restored = open_durable(tmp_path, store)
    assert restored.covered >= 20
    assert restored.learner.count == 25
    reference = Learner(LINE_UP)
    for body in bodies[:25]:
        reference.apply(learn(body))
    for body in bodies[25:]:
        assert restored.commit(learn(body)) == reference.apply(learn(body))


def test_retries_of_applied_work_are_not_journaled(tmp_path):
    durable = open_durable(tmp_path)
    body = airline_bodies()[0]
    durable.commit(learn(body))
    durable.commit(learn(body))
    durable.commit({"op": "batch", "items": [learn(body)]})
    assert durable.journal.seq == 1
