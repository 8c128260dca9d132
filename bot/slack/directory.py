"""Which Slack user groups a user belongs to, as far as the policy cares, cached briefly.

The policy grants roles to user groups (`S…` ids); Slack only tells members per group
(`usergroups.users.list`), so we ask for the groups the policy names and remember the answer
for a minute. When Slack cannot answer, the user counts as in no group: that can only take
rights away, never grant them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import policy as authz

log = logging.getLogger(__name__)

TTL_S = 60.0


class UserGroups:
    def __init__(
        self,
        client: AsyncWebClient,
        policy: authz.Policy,
        *,
        ttl_s: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._groups = sorted(named_groups(policy))
        self._ttl_s = ttl_s
        self._clock = clock
        self._members: dict[str, frozenset[str]] = {}
        self._fetched_at = float("-inf")

    async def of(self, user_id: str) -> frozenset[str]:
        """The policy's groups that `user_id` is a member of."""
        if not self._groups:
            return frozenset()
        if self._clock() - self._fetched_at > self._ttl_s:
            await self._refresh()
        return frozenset(g for g, members in self._members.items() if user_id in members)

    async def _refresh(self) -> None:
        members: dict[str, frozenset[str]] = {}
        for group in self._groups:
            try:
                answer = await self._client.usergroups_users_list(usergroup=group)
            except (SlackApiError, OSError) as exc:
                log.warning("cannot list members of user group %s: %s", group, exc)
                continue
            users = answer.get("users") or []
            members[group] = frozenset(u for u in users if isinstance(u, str))
        self._members = members
        self._fetched_at = self._clock()


def named_groups(policy: authz.Policy) -> set[str]:
    """Every user group the policy gives a role, at the top level or for one cluster."""
    groups = set(policy.groups)
    for rules in policy.clusters.values():
        groups |= set(rules.groups)
    return groups
