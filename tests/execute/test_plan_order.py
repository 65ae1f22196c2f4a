"""Outcomes are handed on in plan order; the window bounds what is held."""

from embtaskgen.execute.plan_order import PlanOrder
from embtaskgen.execute.scheduler import Job


def test_outcomes_wait_for_every_earlier_job_and_a_retry_keeps_its_place():
    order, seen = PlanOrder(window=8), []
    jobs = [Job("a", g) for g in range(4)]
    for job in jobs:
        order.admit(job)
    order.settle(jobs[3], lambda: seen.append(3))
    order.settle(jobs[1], lambda: seen.append(1))
    assert seen == []
    order.settle(Job("a", 0, retries=2), lambda: seen.append(0))  # a retry of job 0
    assert seen == [0, 1]
    order.settle(jobs[2], None)  # no outcome (never started): passed over
    assert seen == [0, 1, 3]


def test_the_window_stops_new_jobs_until_the_earliest_has_its_outcome():
    order = PlanOrder(window=2)
    first, second, third = Job("a", 0), Job("a", 1), Job("a", 2)
    order.admit(first)
    order.admit(second)
    assert not order.has_room
    order.settle(second, lambda: None)
    assert not order.has_room  # the earliest job still holds the window
    order.settle(first, lambda: None)
    assert order.has_room
    order.admit(third)
    assert order.has_room


def test_flush_releases_what_finished_past_the_gaps_in_order():
    order, seen = PlanOrder(window=8), []
    jobs = [Job("a", g) for g in range(4)]
    for job in jobs:
        order.admit(job)
    order.settle(jobs[3], lambda: seen.append(3))
    order.settle(jobs[2], lambda: seen.append(2))
    order.flush()  # jobs 0 and 1 never finished (Ctrl-C): a resume calls them
    assert seen == [2, 3] and order.has_room
