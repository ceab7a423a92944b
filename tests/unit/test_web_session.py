"""Signed web chat sessions: a key made at first start, rotated, the previous one honoured for
a grace period; a cookie renewed before it expires."""

from datetime import timedelta

from bot.channels.web_session import KEY_ROTATION, RENEW_AFTER, SESSION_LIFETIME, SessionKeys
from tests.fakes.chat import Clock


async def test_a_session_survives_a_key_rotation_until_its_grace_ends(sessionmaker):
    clock = Clock()
    keys = SessionKeys(sessionmaker, clock)
    cookie = await keys.issue()
    visitor = cookie.partition(".")[0]
    assert (await keys.check(cookie)).visitor == visitor
    assert not (await keys.check(cookie)).renew

    restarted = SessionKeys(sessionmaker, clock)  # the key is kept in the database
    assert (await restarted.check(cookie)).visitor == visitor

    clock.now += RENEW_AFTER + timedelta(minutes=1)
    assert (await keys.check(cookie)).renew  # a day old: issued again while in use

    clock.now += KEY_ROTATION  # a new key signs; the old one still checks
    renewed = await keys.issue(visitor)
    assert renewed != cookie and (await keys.check(renewed)).visitor == visitor
    assert (await keys.check(cookie)) is None  # older than SESSION_LIFETIME by now
    token = await keys.csrf_token(visitor)

    clock.now += SESSION_LIFETIME - timedelta(days=2)
    assert (await keys.check(renewed)).visitor == visitor  # still within its lifetime
    assert await keys.csrf_ok(visitor, token)
    clock.now += KEY_ROTATION  # rotated again: its key is the previous one, it is too old
    assert await keys.check(renewed) is None
    assert await keys.csrf_ok(visitor, token)  # the page's token outlives one rotation…
    clock.now += SESSION_LIFETIME
    assert not await keys.csrf_ok(visitor, token)  # …not two


async def test_a_cookie_signed_with_the_previous_key_is_accepted_and_renewed(sessionmaker):
    clock = Clock()
    keys = SessionKeys(sessionmaker, clock)
    await keys.keys()  # the first start makes the key
    clock.now += KEY_ROTATION - timedelta(hours=1)
    cookie = await keys.issue()
    clock.now += timedelta(hours=2)  # the key rotates; the cookie is three hours old
    session = await keys.check(cookie)
    assert session is not None and session.renew


async def test_tampered_cookies_are_refused(sessionmaker):
    keys = SessionKeys(sessionmaker, Clock())
    visitor, issued, signature = (await keys.issue()).split(".")
    for forged in (f"other.{issued}.{signature}", f"{visitor}.{int(issued) + 1}.{signature}",
                   f"{visitor}.{issued}", visitor, "", f"{visitor}.{issued}.{signature}x"):
        assert await keys.check(forged) is None, forged
