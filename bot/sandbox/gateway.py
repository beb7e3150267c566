"""The fake gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME and event dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from bot.sandbox.fake import FakeDiscord

_log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = (
    0,
    1,
    2,
    6,
    8,
    9,
    10,
    11,
)

# Intent bits that gate the events the fake sends.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
DIRECT_MESSAGES = 1 << 12
DIRECT_MESSAGE_REACTIONS = 1 << 13
MESSAGE_CONTENT = 1 << 15

_EVENT_INTENTS = {
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "THREAD_MEMBERS_UPDATE": GUILDS,
}
_HISTORY = 1000


@dataclass(eq=False)
class GatewaySession:
    """One identified gateway session: its shard, intents, sequence and replay buffer."""

    session_id: str
    shard: tuple[int, int]
    intents: int
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    outbox: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    ws: web.WebSocketResponse | None = None
    alive: bool = True

    def covers(self, guild_id: int | None) -> bool:
        """Say whether events of ``guild_id`` go to this session's shard (DMs go to shard 0)."""
        shard_id, count = self.shard
        if guild_id is None:
            return shard_id == 0
        return (guild_id >> 22) % count == shard_id

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Queue a DISPATCH with the next sequence number, kept for replay on RESUME."""
        self.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
        self.history.append(frame)
        del self.history[:-_HISTORY]
        if self.ws is not None:
            self.outbox.put_nowait(frame)


class Gateway:
    """Serve discord.py's gateway websocket for a FakeDiscord."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, GatewaySession] = {}
        self.sockets: set[web.WebSocketResponse] = set()
        self.identified = 0
        self.resumed = 0
        self.heartbeat_interval_ms = 41250

    def live_sessions(self) -> list[GatewaySession]:
        """Return the sessions that receive events."""
        return [s for s in self.sessions.values() if s.alive]

    def dispatch(
        self,
        event: str,
        data: dict[str, Any],
        *,
        guild_id: int | None = None,
        shape: Callable[[GatewaySession], dict[str, Any] | None] | None = None,
    ) -> None:
        """Send an event to every live session whose shard covers ``guild_id`` and intents allow it."""
        needed = _EVENT_INTENTS.get(event)
        for session in self.live_sessions():
            if not session.covers(guild_id) or (needed and not session.intents & needed):
                continue
            payload = shape(session) if shape else data
            if payload is not None:
                session.dispatch(event, payload)
        self.fake.notify()

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Run one websocket connection until either side closes it."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.sockets.add(ws)
        session: GatewaySession | None = None
        writer: asyncio.Task[None] | None = None
        try:
            await ws.send_str(
                json.dumps(
                    {
                        "op": HELLO,
                        "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                        "s": None,
                        "t": None,
                    }
                )
            )
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                op, data = frame.get("op"), frame.get("d")
                if op == HEARTBEAT:
                    await ws.send_str(json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None}))
                elif op in (IDENTIFY, RESUME):
                    if data.get("token") != self.fake.bot_token:
                        self.fake.record_violation("GATEWAY", "/gateway", 4004, 4004, "Authentication failed")
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    disallowed = _disallowed_intents(
                        int(data.get("intents") or 0), self.fake.application_flags
                    )
                    if op == IDENTIFY and disallowed:
                        # Discord closes the socket; the bot cannot connect until the portal toggle is on.
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    session = self._identify(data, ws) if op == IDENTIFY else self._resume(data, ws)
                    if session is None:
                        await ws.send_str(
                            json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
                        )
                        continue
                    writer = asyncio.create_task(self._write(session, ws))
                elif op == REQUEST_MEMBERS and session is not None:
                    self._send_member_chunk(session, data)
                self.fake.notify()
        finally:
            self.sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                session.outbox.put_nowait(None)
            if writer is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
        return ws

    async def _write(self, session: GatewaySession, ws: web.WebSocketResponse) -> None:
        while True:
            frame = await session.outbox.get()
            if frame is None or ws.closed:
                return
            try:
                await ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError):
                return

    def _identify(self, data: dict[str, Any], ws: web.WebSocketResponse) -> GatewaySession:
        shard = tuple(data.get("shard") or (0, 1))
        # A new IDENTIFY for a shard replaces that shard's previous session.
        for old in self.sessions.values():
            if old.shard == shard:
                old.alive = False
        session = GatewaySession(
            uuid.uuid4().hex, (int(shard[0]), int(shard[1])), int(data.get("intents", 0)), ws=ws
        )
        self.sessions[session.session_id] = session
        self.identified += 1
        fake = self.fake
        guilds = [g for g in fake.guilds.values() if session.covers(g.id) and fake.bot_user.id in g.members]
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": fake.bot_user.payload() | {"verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": fake.gateway_url,
                "shard": list(session.shard),
                "application": {"id": str(fake.application_id), "flags": fake.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["fake-discord"],
            },
        )
        for guild in guilds:
            session.dispatch("GUILD_CREATE", fake.guild_create_payload(guild))
        return session

    def _resume(self, data: dict[str, Any], ws: web.WebSocketResponse) -> GatewaySession | None:
        session = self.sessions.get(data.get("session_id") or "")
        if session is None or not session.alive:
            return None
        session.ws = ws
        session.outbox = asyncio.Queue()
        last = data.get("seq") or 0
        for frame in session.history:
            if frame["s"] > last:
                session.outbox.put_nowait(frame)
        session.seq += 1
        session.outbox.put_nowait(
            {"op": DISPATCH, "t": "RESUMED", "s": session.seq, "d": {"_trace": ["fake"]}}
        )
        self.resumed += 1
        return session

    def _send_member_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild_id = (
            int(data["guild_id"]) if not isinstance(data["guild_id"], list) else int(data["guild_id"][0])
        )
        members = list(self.fake.members_of(guild_id))
        query = (data.get("query") or "").casefold()
        user_ids = {int(u) for u in data.get("user_ids") or []}
        if user_ids:
            members = [m for m in members if m.user.id in user_ids]
        elif query:
            members = [m for m in members if m.user.username.casefold().startswith(query)]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk: dict[str, Any] = {
            "guild_id": str(guild_id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def disconnect(self, code: int = 4000) -> None:
        """Close every gateway websocket from the server side; sessions stay resumable."""
        for ws in list(self.sockets):
            await ws.close(code=code, message=b"fake disconnect")

    async def close(self) -> None:
        """Close all sockets for shutdown."""
        for session in self.sessions.values():
            session.alive = False
        await self.disconnect(code=1001)


# Privileged intents and the application flags that allow each (full, or "limited" for unverified bots).
_PRIVILEGED = {
    GUILD_MEMBERS: (1 << 14) | (1 << 15),
    1 << 8: (1 << 12) | (1 << 13),  # GUILD_PRESENCES
    MESSAGE_CONTENT: (1 << 18) | (1 << 19),
}


def _disallowed_intents(intents: int, application_flags: int) -> int:
    """Return the privileged intents asked for that the application's flags do not allow."""
    return sum(bit for bit, flags in _PRIVILEGED.items() if intents & bit and not application_flags & flags)
