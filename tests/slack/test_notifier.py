"""Incident effects reach the (fake) Slack as one thread per incident, even after a failed post."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.monitor.tracker import Tracker
from bot.slack.notifier import SlackNotifier
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.workspace import ALERTS
from tests.monitor.scenario import at, cluster, healthy, without


def notifier(fake: FakeSlack) -> SlackNotifier:
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake.base_url, retry_handlers=[])
    return SlackNotifier(client, lambda _cluster: ALERTS.id)


async def test_an_incident_is_one_thread_updated_in_place() -> None:
    """Opened posts one root; later changes update it and reply in its thread, never a new root."""
    tracker = Tracker(cluster(5))
    async with FakeSlack.start() as fake:
        slack = notifier(fake)
        (posted,) = await slack.publish(tracker.observe(without(at(0), "qbcap5", size=5)))
        assert posted.thread is not None
        tracker.remember_thread(posted.id, posted.thread)
        await slack.publish(tracker.observe(without(at(15), "qbcap4", "qbcap5", size=5)))
        roots = [c for c in fake.calls("chat.postMessage") if not c.params.get("thread_ts")]
        assert len(roots) == 1
        assert any(
            c.params.get("thread_ts") == posted.thread.ts for c in fake.calls("chat.postMessage")
        )
        assert [c.params["ts"] for c in fake.calls("chat.update")] == [posted.thread.ts]


async def test_a_root_that_failed_to_post_is_posted_with_the_next_change() -> None:
    """When Slack refused the root, the next effect of that incident posts it, so it is not lost."""
    tracker = Tracker(cluster(5))
    async with FakeSlack.start() as fake:
        slack = notifier(fake)
        fake.rate_limits.fail_next("chat.postMessage", status=500)
        assert await slack.publish(tracker.observe(without(at(0), "qbcap5", size=5))) == []
        (posted,) = await slack.publish(
            tracker.observe(without(at(15), "qbcap4", "qbcap5", size=5))
        )
        assert posted.thread is not None
        ok_roots = [
            c for c in fake.calls("chat.postMessage") if c.ok and not c.params.get("thread_ts")
        ]
        assert len(ok_roots) == 1
        assert "qbcap4" in str(ok_roots[0].params)


async def test_resolution_turns_the_root_green_and_says_so_once() -> None:
    """Resolved updates the root and replies "Resolved after …" in the thread."""
    tracker = Tracker(cluster())
    async with FakeSlack.start() as fake:
        slack = notifier(fake)
        (posted,) = await slack.publish(tracker.observe(without(at(0), "qbcap3")))
        tracker.remember_thread(posted.id, posted.thread)
        await slack.publish(tracker.observe(healthy(at(10))))
        await slack.publish(tracker.observe(healthy(at(200))))
        assert posted.thread is not None
        replies = [
            c
            for c in fake.calls("chat.postMessage")
            if c.params.get("thread_ts") == posted.thread.ts
        ]
        assert sum("Resolved after" in str(c.params) for c in replies) == 1
