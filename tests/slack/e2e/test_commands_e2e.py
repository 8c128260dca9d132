"""Every /quorum subcommand against the running bot, over HTTP and over Socket Mode alike."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.fakes.workspace import ALERTS, BOB, OPS, OPS_PRIVATE
from tests.slack.e2e.conftest import Driver, text_of

STRANGER = "U0STRANGE1"


async def test_help_lists_what_the_caller_may_do(bot: Driver) -> None:
    """`help` answers in the ack, ephemerally, with the commands an operator may use."""
    sent = await bot.command("help")
    assert sent.status == 200
    assert sent.ack is not None
    assert sent.ack["response_type"] == "ephemeral"
    assert "/quorum diagnose" in sent.text
    assert "/quorum status" in sent.text


async def test_help_for_a_viewer_leaves_out_diagnose(bot: Driver) -> None:
    """A viewer's help does not offer diagnose, which needs the operator role."""
    sent = await bot.command("help", user=BOB.id)
    assert "/quorum status" in sent.text
    assert "/quorum diagnose" not in sent.text


async def test_empty_text_is_help(bot: Driver) -> None:
    """`/quorum` alone shows help rather than an error."""
    sent = await bot.command("")
    assert "/quorum status" in sent.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frobnicate", "unknown command 'frobnicate'"),
        ("status alpha extra", "unexpected 'extra'"),
        ('status "alpha', "quote is not closed"),
        ("status al/pha", "not a valid cluster name"),
        ("x" * 600, "at most 500"),
        ("status \x00\x01", "control characters"),
        ("history 0", "COUNT must be a number from 1 to 100"),
        ("run", "missing RUNBOOK"),
        ("run frobnicate", "no runbook named 'frobnicate'"),
    ],
)
async def test_bad_input_gets_a_precise_ephemeral_usage_message(
    bot: Driver, text: str, expected: str
) -> None:
    """Malformed commands are answered in the ack, ephemerally, and nothing else happens."""
    before = len(bot.fake.calls())
    sent = await bot.command(text)
    assert sent.ack is not None
    assert sent.ack["response_type"] == "ephemeral"
    assert expected in sent.text
    assert bot.replies(sent) == []
    assert [c.method for c in bot.fake.calls()[before:] if c.method != "auth.test"] == []


async def test_curly_quotes_from_phones_are_accepted(bot: Driver) -> None:
    """A name in curly quotes, as phones type them, is read as the plain name."""
    sent = await bot.command("nodes “alpha”")
    reply = await bot.reply(sent)
    assert "alpha1" in text_of(reply)


async def test_nodes_lists_the_inventory(bot: Driver) -> None:
    """`nodes` acks with a working message, then replaces it with every node and its address."""
    sent = await bot.command("nodes alpha")
    assert "nodes" in sent.text
    reply = await bot.reply(sent)
    shown = text_of(reply)
    assert "alpha1" in shown
    assert "alpha2" in shown
    assert "198.18.250.2" in shown
    assert reply.params.get("replace_original") is True


async def test_the_only_cluster_of_a_channel_is_the_default(bot: Driver) -> None:
    """Without a cluster name, the one cluster granted to the channel is used."""
    sent = await bot.command("nodes", channel=ALERTS.id)
    reply = await bot.reply(sent)
    assert "beta1" in text_of(reply)


async def test_an_unknown_cluster_names_the_known_ones(bot: Driver) -> None:
    """An unknown cluster is refused in the ack, naming the clusters this channel covers."""
    sent = await bot.command("nodes gamma")
    assert "no cluster named 'gamma'" in sent.text
    assert "alpha" in sent.text
    assert "beta" not in sent.text  # not granted to #ops: not even its name leaks


async def test_a_cluster_not_granted_to_the_channel_is_refused(bot: Driver) -> None:
    """A cluster that exists but is not granted to this channel is refused and nothing runs."""
    sent = await bot.command("diagnose beta")
    assert "not granted to this channel" in sent.text
    assert bot.replies(sent) == []


async def test_a_user_outside_the_policy_is_refused_with_a_reason(bot: Driver) -> None:
    """Someone the policy does not name gets an ephemeral explanation and nothing runs."""
    before = len(bot.fake.calls("chat.postMessage"))
    sent = await bot.command("diagnose alpha", user=STRANGER)
    assert sent.ack is not None
    assert sent.ack["response_type"] == "ephemeral"
    assert "operator" in sent.text
    assert bot.replies(sent) == []
    assert len(bot.fake.calls("chat.postMessage")) == before


async def test_a_viewer_may_not_diagnose(bot: Driver) -> None:
    """Diagnose needs the operator role; a viewer is told so."""
    sent = await bot.command("diagnose alpha", user=BOB.id)
    assert "viewer" in sent.text
    assert "operator" in sent.text


async def test_an_unlisted_channel_is_refused(bot: Driver) -> None:
    """A channel the policy does not list gets an explanation, even for an admin's command."""
    sent = await bot.command("status alpha", channel="C0NOTLISTD")
    assert "not enabled in" in sent.text


async def test_whoami_and_can_i(bot: Driver) -> None:
    """whoami tells the caller's role and clusters; can-i answers yes or no with the reason."""
    who = await bot.command("whoami")
    assert "operator" in who.text
    assert "alpha" in who.text
    yes = await bot.command("can-i diagnose")
    assert yes.text.startswith("Yes") or "Yes:" in yes.text
    no = await bot.command("can-i approve_step")
    assert "No:" in no.text
    bad = await bot.command("can-i fly")
    assert "unknown action 'fly'" in bad.text


async def test_diagnose_posts_findings_in_the_channel(bot: Driver) -> None:
    """`diagnose` posts the report in the channel, naming the nodes' problem, and audits it."""
    since = bot.mark()
    sent = await bot.command("diagnose alpha")
    posted = await bot.wait_new(
        "chat.postMessage",
        lambda c: c.params.get("channel") == OPS.id and "alpha" in text_of(c),
        since=since,
    )
    assert "quorumbot inventory trust alpha1" in text_of(posted)  # no host key trusted yet
    done = await bot.reply(sent)
    assert done.params.get("delete_original") is True
    history = await bot.command("history 50")
    shown = text_of(await bot.reply(history))
    assert "slack:U0ALICE001" in shown


async def test_a_long_diagnosis_attaches_the_full_report_in_the_thread(bot: Driver) -> None:
    """A report too long for one message is summarised, with the whole text as a file in its thread."""
    since = bot.mark()
    await bot.command("diagnose big", channel=OPS_PRIVATE.id)
    posted = await bot.wait_new(
        "chat.postMessage", lambda c: c.params.get("channel") == OPS_PRIVATE.id, since=since
    )
    assert "full report" in text_of(posted)
    completed = await bot.wait_new("files.completeUploadExternal", lambda c: True, since=since)
    assert completed.ok
    assert completed.params.get("thread_ts") == posted.response["ts"]
    (uploaded,) = [
        f for f in bot.fake.workspace.files.values() if f.thread_ts == posted.response["ts"]
    ]
    assert uploaded.content is not None
    content = uploaded.content.decode()
    assert all(f"big{i}" in content for i in (1, 30, 60))


async def test_a_429_from_slack_is_retried_after_retry_after(bot: Driver) -> None:
    """When Slack answers chat.postMessage with 429, the bot waits Retry-After and posts once."""
    since = bot.mark()
    bot.fake.rate_limits.fail_next("chat.postMessage", status=429, retry_after=1)
    await bot.command("diagnose alpha alpha2")
    await bot.wait_new(
        "chat.postMessage",
        lambda c: c.ok and "alpha2" in text_of(c) and c.params.get("channel") == OPS.id,
        since=since,
    )
    calls = bot.new_calls("chat.postMessage", since)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0


async def test_incidents_and_runbooks_say_what_is_there(bot: Driver) -> None:
    """incidents and runbooks answer honestly about what this bot runs."""
    incidents = await bot.command("incidents")
    assert "monitor" in incidents.text
    runbooks = await bot.command("runbooks")
    escaped = "rejoin-node cluster=&lt;cluster&gt; node=&lt;node&gt;"  # mrkdwn-escaped
    assert escaped in runbooks.text
    run = await bot.command("run rejoin-node cluster=alpha node=alpha1")
    assert "cannot run them from chat yet" in run.text
    unknown = await bot.command("run frobnicate")
    assert "no runbook named 'frobnicate'" in unknown.text


async def test_a_diagnose_button_runs_the_diagnosis(bot: Driver) -> None:
    """A Diagnose button click (signed block_actions) posts a diagnosis in the channel."""
    since = bot.mark()
    value = json.dumps({"cluster": "alpha", "node": "alpha1"})
    sent = await bot.click("diagnose.run", value)
    assert sent.status == 200
    posted = await bot.wait_new("chat.postMessage", lambda c: "alpha1" in text_of(c), since=since)
    assert posted.ok


async def test_a_button_click_is_checked_against_the_policy(bot: Driver) -> None:
    """A viewer clicking Diagnose is told why not, and nothing is posted in the channel."""
    before = len(bot.fake.calls("chat.postMessage"))
    value = json.dumps({"cluster": "alpha"})
    sent = await bot.click("diagnose.run", value, user=BOB.id)
    reply = await bot.reply(sent)
    assert "operator" in text_of(reply)
    assert reply.params.get("replace_original") is False
    assert len(bot.fake.calls("chat.postMessage")) == before


async def test_a_forged_button_value_is_refused(bot: Driver) -> None:
    """A button value that is not ours gets an error, not a traceback."""
    sent = await bot.click("diagnose.run", "{not json")
    reply = await bot.reply(sent)
    assert "no readable value" in text_of(reply)


async def test_app_home_shows_every_cluster(bot: Driver) -> None:
    """Opening the App Home publishes a view with the clusters the user may see."""
    since = bot.mark()
    await bot.event({"type": "app_home_opened", "user": "U0ALICE001", "tab": "home"})
    published = await bot.wait_new(
        "views.publish", lambda c: c.params.get("user_id") == "U0ALICE001", since=since
    )
    assert published.ok
    assert "alpha" in text_of(published)


@pytest.mark.parametrize("signing", [{"wrong_secret": True}, {"stale": True}])
async def test_bad_signatures_are_rejected_and_change_nothing(
    bot: Driver, signing: dict[str, bool]
) -> None:
    """A request with a wrong signature or a stale timestamp gets 401 and runs nothing."""
    if bot.mode == "socket":
        pytest.skip("Socket Mode requests are not signed; the websocket is authenticated")
    posts = len(bot.fake.calls("chat.postMessage"))
    sent = await bot.command("diagnose alpha", **signing)
    assert sent.status == 401
    await asyncio.sleep(0.5)  # give a wrongly accepted request time to show itself
    assert bot.replies(sent) == []
    assert len(bot.fake.calls("chat.postMessage")) == posts
