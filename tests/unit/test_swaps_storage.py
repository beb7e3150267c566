"""Swap storage: the request lifecycle, limits, proposals, reputation and expiry timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.storage import guilds as guild_store
from bot.storage import swaps as store

GUILD = 1
NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


async def _open(db, user_id, offer, want, *, now=NOW, details=None):
    return await store.open_request(db, GUILD, user_id, offer=offer, want=want, details=details, now=now)


async def test_a_new_request_is_open_for_thirty_days(db):
    request = await _open(db, 10, "logo design", "wordpress", details="Two logos for a blog")
    assert request.status == "open"
    assert (request.offer, request.want, request.details) == (
        "logo design",
        "wordpress",
        "Two logos for a blog",
    )
    assert request.expires_at - request.created_at == timedelta(days=30)
    assert await store.get_request(db, request.id) == request


async def test_the_sixth_active_request_is_refused_and_nothing_is_stored(db):
    for i in range(5):
        await _open(db, 10, f"skill {i}", "wordpress")
    with pytest.raises(store.SwapRefused) as refused:
        await _open(db, 10, "skill 5", "wordpress")
    assert refused.value.reason == "limit"
    assert await store.count_active(db, GUILD, 10) == 5
    assert await store.count_requests(db, GUILD, user_id=10) == 5
    # Another member is not affected by the first member's limit.
    await _open(db, 11, "skill 5", "wordpress")


async def test_closing_a_request_frees_a_slot(db):
    requests = [await _open(db, 10, f"skill {i}", "wordpress") for i in range(5)]
    await store.finish_request(db, requests[0].id, "closed", NOW)
    await _open(db, 10, "skill 5", "wordpress")
    assert await store.count_active(db, GUILD, 10) == 5


async def test_the_same_offer_and_want_twice_is_refused_while_open(db):
    first = await _open(db, 10, "logo design", "wordpress")
    with pytest.raises(store.SwapRefused) as refused:
        await _open(db, 10, "logo design", "wordpress")
    assert refused.value.reason == "duplicate"
    assert await store.count_requests(db, GUILD, user_id=10) == 1
    await store.finish_request(db, first.id, "closed", NOW)
    again = await _open(db, 10, "logo design", "wordpress")
    assert again.id != first.id


async def test_offer_equal_to_want_or_long_details_are_refused(db):
    with pytest.raises(ValueError, match="different"):
        await _open(db, 10, "seo", "seo")
    with pytest.raises(ValueError, match="details"):
        await _open(db, 10, "seo", "copywriting", details="x" * 501)
    assert await store.count_requests(db, GUILD, user_id=10) == 0


async def test_list_pages_filter_by_skill_and_status(db):
    a = await _open(db, 10, "logo design", "wordpress")
    b = await _open(db, 11, "wordpress", "seo", now=NOW + timedelta(minutes=1))
    c = await _open(db, 12, "seo", "copywriting", now=NOW + timedelta(minutes=2))
    await store.finish_request(db, c.id, "closed", NOW)
    assert [r.id for r in await store.list_requests(db, GUILD)] == [b.id, a.id]
    assert [r.id for r in await store.list_requests(db, GUILD, skill="wordpress")] == [b.id, a.id]
    assert [r.id for r in await store.list_requests(db, GUILD, skill="seo")] == [b.id]
    assert [r.id for r in await store.list_requests(db, GUILD, limit=1, offset=1)] == [a.id]
    assert await store.count_requests(db, GUILD, statuses=("closed",)) == 1


async def _direct_match(db):
    a = await _open(db, 10, "logo design", "wordpress")
    b = await _open(db, 11, "wordpress", "logo design")
    match_id = await store.create_match(db, GUILD, "direct", [(a.id, 10), (b.id, 11)], NOW)
    assert match_id is not None
    return a, b, match_id


async def test_both_confirming_makes_the_swap_matched(db):
    a, b, match_id = await _direct_match(db)
    assert await store.pending_request_ids(db, GUILD) == {a.id, b.id}
    half = await store.record_response(db, match_id, 0, "confirmed", NOW)
    assert half is not None and half.status == "proposed"
    assert (await store.get_request(db, a.id)).status == "open"
    whole = await store.record_response(db, match_id, 1, "confirmed", NOW)
    assert whole is not None and whole.status == "matched"
    for request_id in (a.id, b.id):
        request = await store.get_request(db, request_id)
        assert request.status == "matched" and request.match_id == match_id
    assert await store.pending_request_ids(db, GUILD) == frozenset()
    # A decided proposal takes no more answers.
    assert await store.record_response(db, match_id, 0, "declined", NOW) is None


async def test_a_decline_frees_the_requests_and_the_same_set_is_never_proposed_again(db):
    a, b, match_id = await _direct_match(db)
    declined = await store.record_response(db, match_id, 1, "declined", NOW)
    assert declined is not None and declined.status == "declined"
    assert (await store.get_request(db, a.id)).status == "open"
    assert await store.pending_request_ids(db, GUILD) == frozenset()
    assert frozenset({a.id, b.id}) in await store.proposed_request_sets(db, GUILD)
    assert await store.create_match(db, GUILD, "direct", [(b.id, 11), (a.id, 10)], NOW) is None


async def test_a_proposal_of_a_request_no_longer_open_is_not_stored(db):
    a = await _open(db, 10, "logo design", "wordpress")
    b = await _open(db, 11, "wordpress", "logo design")
    await store.finish_request(db, b.id, "closed", NOW)
    assert await store.create_match(db, GUILD, "direct", [(a.id, 10), (b.id, 11)], NOW) is None


async def test_closing_a_request_cancels_its_pending_proposal(db):
    a, b, match_id = await _direct_match(db)
    finish = await store.finish_request(db, a.id, "closed", NOW)
    assert finish.cancelled_match_ids == (match_id,)
    assert (await store.get_match(db, match_id)).status == "cancelled"
    assert (await store.get_request(db, b.id)).status == "open"


async def test_closing_a_matched_request_puts_the_partner_back_on_the_board(db):
    a, b, match_id = await _direct_match(db)
    await store.record_response(db, match_id, 0, "confirmed", NOW)
    await store.record_response(db, match_id, 1, "confirmed", NOW)
    finish = await store.finish_request(db, a.id, "closed", NOW)
    assert finish.reopened_request_ids == (b.id,)
    partner = await store.get_request(db, b.id)
    assert partner.status == "open" and partner.match_id is None
    with pytest.raises(store.SwapRefused):
        await store.finish_request(db, a.id, "closed", NOW)


async def test_done_with_thanks_completes_the_whole_swap_and_adds_reputation(db):
    a, b, match_id = await _direct_match(db)
    await store.record_response(db, match_id, 0, "confirmed", NOW)
    await store.record_response(db, match_id, 1, "confirmed", NOW)
    request = await store.get_request(db, a.id)
    partners = await store.match_partners(db, request)
    assert partners == [11]
    done = await store.complete_request(db, request, NOW, partner_ids=partners, thanks="Great help!")
    assert set(done.request_ids) == {a.id, b.id} and done.thanked == (11,)
    assert (await store.get_request(db, b.id)).status == "done"
    assert (await store.get_match(db, match_id)).status == "done"
    assert await store.member_counts(db, GUILD, 11) == {"swaps_done": 1, "reputation": 1}
    assert await store.member_counts(db, GUILD, 10) == {"swaps_done": 1, "reputation": 0}
    # One swap of two requests counts once.
    assert await store.count_swaps_done(db, GUILD, NOW - timedelta(days=1)) == 1
    assert await store.count_swaps_done(db, GUILD, NOW + timedelta(seconds=1)) == 0

    # The partner thanks back on their (already done) request; thanking twice adds nothing.
    other = await store.get_request(db, b.id)
    back = await store.complete_request(db, other, NOW, partner_ids=[10], thanks="Thank you too")
    assert back.already_done and back.thanked == (10,)
    again = await store.complete_request(db, other, NOW, partner_ids=[10], thanks="And again")
    assert again.thanked == ()
    assert (await store.reputations(db, GUILD, [10, 11])) == {10: 1, 11: 1}


async def test_done_without_a_match_credits_the_helper(db):
    request = await _open(db, 10, "logo design", "wordpress")
    assert await store.record_help(db, request, 12, NOW) == store.HelpStep(None, fresh=True)
    assert await store.record_help(db, request, 12, NOW) == store.HelpStep(None, fresh=False)
    await store.set_help_thread(db, request.id, 12, 555)
    assert await store.record_help(db, request, 12, NOW) == store.HelpStep(555, fresh=False)
    assert await store.helpers_of(db, request.id) == [12]
    await store.complete_request(db, request, NOW, partner_ids=[12], thanks=None)
    assert await store.member_counts(db, GUILD, 12) == {"swaps_done": 1, "reputation": 0}
    assert await store.count_swaps_done(db, GUILD, NOW) == 1


async def test_a_closed_request_cannot_be_completed(db):
    request = await _open(db, 10, "logo design", "wordpress")
    await store.finish_request(db, request.id, "closed", NOW)
    closed = await store.get_request(db, request.id)
    with pytest.raises(store.SwapRefused):
        await store.complete_request(db, closed, NOW, partner_ids=[], thanks=None)


async def test_reminders_fall_due_three_days_before_expiry_and_renewal_resets_them(db):
    await guild_store.configure_feature(
        db, GUILD, "swaps", channel_id=5
    )  # reminders go where the board is on
    request = await _open(db, 10, "logo design", "wordpress")
    assert await store.next_due(db) == request.expires_at - timedelta(days=3)
    assert await store.due_reminders(db, NOW + timedelta(days=26)) == []
    due = await store.due_reminders(db, NOW + timedelta(days=27))
    assert [r.id for r in due] == [request.id]
    await store.mark_reminded(db, request.id, NOW + timedelta(days=27))
    assert await store.due_reminders(db, NOW + timedelta(days=27)) == []
    assert await store.next_due(db) == request.expires_at
    assert await store.due_expiries(db, NOW + timedelta(days=29)) == []
    assert [r.id for r in await store.due_expiries(db, NOW + timedelta(days=30))] == [request.id]

    renewed = await store.renew_request(db, request.id, NOW + timedelta(days=28))
    assert renewed is not None and renewed.reminded_at is None
    assert renewed.expires_at == NOW + timedelta(days=58)
    assert await store.due_expiries(db, NOW + timedelta(days=30)) == []


async def test_expiry_only_takes_open_requests(db):
    a, _b, match_id = await _direct_match(db)
    await store.record_response(db, match_id, 0, "confirmed", NOW)
    await store.record_response(db, match_id, 1, "confirmed", NOW)
    with pytest.raises(store.SwapRefused):
        await store.finish_request(db, a.id, "expired", NOW + timedelta(days=31))
    assert await store.due_expiries(db, NOW + timedelta(days=31)) == []
    assert await store.renew_request(db, a.id, NOW) is None


async def test_avoid_pairs_are_read_from_the_intros_table(db):
    assert await store.avoid_pairs(db, GUILD) == frozenset()
    for guild_id, user_id, avoided in ((GUILD, 10, 11), (2, 12, 13)):
        await db.execute(
            "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (guild_id, "2026-01-01"),
        )
        await db.execute(
            "INSERT INTO intro_avoids (guild_id, user_id, avoided_user_id, created_at) VALUES (?, ?, ?, ?)",
            (guild_id, user_id, avoided, "2026-01-01T00:00:00+00:00"),
        )
    assert await store.avoid_pairs(db, GUILD) == frozenset({frozenset({10, 11})})


async def test_requests_of_members_who_left_are_not_matched(db):
    await _open(db, 10, "logo design", "wordpress")
    stays = await _open(db, 11, "wordpress", "logo design")
    await guild_store.mark_member_left(db, GUILD, 10, NOW)
    assert [r.id for r in await store.requests_for_matching(db, GUILD)] == [stays.id]


async def test_a_proposal_delivery_is_recorded_step_by_step_and_stays_undelivered_until_posted(db):
    _a, _b, match_id = await _direct_match(db)
    await store.mark_match_creating(db, match_id, 500)
    match = await store.get_match(db, match_id)
    assert (match.channel_id, match.thread_id, match.message_id) == (500, None, None)
    await store.set_match_thread(db, match_id, 600)
    assert [m.id for m in await store.undelivered_matches(db, GUILD)] == [match_id]
    # Opening the thread again (the first was deleted) forgets the old one.
    await store.mark_match_creating(db, match_id, 501)
    match = await store.get_match(db, match_id)
    assert (match.channel_id, match.thread_id) == (501, None)
    await store.set_match_thread(db, match_id, 601)
    await store.set_match_message(db, match_id, 700)
    match = await store.get_match(db, match_id)
    assert (match.channel_id, match.thread_id, match.message_id) == (501, 601, 700)
    assert await store.undelivered_matches(db, GUILD) == []
    # A delivered proposal is never put back into "creating".
    await store.mark_match_creating(db, match_id, 502)
    assert (await store.get_match(db, match_id)).thread_id == 601
