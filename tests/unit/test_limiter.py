"""The sending limiter: the platform's rates, bursts, pauses, and interactive replies first."""

import asyncio

from bot.channels.limiter import Limiter, Limits


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def sends_within(limiter, clock, chat, seconds, *, bulk=False, group=False, step=0.01):
    """How many messages to ``chat`` the limiter lets out in ``seconds``."""
    sent, end = 0, clock.now + seconds
    while clock.now < end:
        if limiter.delay(chat, bulk=bulk, group=group) == 0:
            sent += 1
        else:
            clock.now += step
    return sent


def test_a_private_chat_gets_a_small_burst_then_one_per_second():
    clock = Clock()
    limiter = Limiter(clock=clock)
    assert sends_within(limiter, clock, "1", 0.001) == 3
    assert sends_within(limiter, clock, "1", 10) in (10, 11)


def test_all_chats_together_stay_under_thirty_per_second():
    clock = Clock()
    limiter = Limiter(clock=clock)
    sent, end = 0, clock.now + 10
    chat = 0
    while clock.now < end:
        chat += 1
        if limiter.delay(str(chat)) == 0:
            sent += 1
        else:
            clock.now += 0.005
    assert 290 <= sent <= 331  # 30/s plus the initial burst


def test_group_chats_get_twenty_per_minute():
    clock = Clock()
    limiter = Limiter(clock=clock)
    assert sends_within(limiter, clock, "-100", 60, group=True, step=0.1) in (20, 21)


def test_bulk_leaves_room_for_people_talking_to_the_bot():
    clock = Clock()
    limiter = Limiter(clock=clock)
    bulk = interactive = waited = 0
    for tick in range(10_000):  # ten seconds in steps of a millisecond
        clock.now += 0.001
        if limiter.delay(f"bulk{tick}", bulk=True) == 0:  # a broadcast that never stops
            bulk += 1
        if tick % 200 == 0:  # five replies a second to people talking to the bot
            if limiter.delay(f"person{tick}") == 0:
                interactive += 1
            else:
                waited += 1
    assert bulk <= 0.8 * 30 * 10 + 3
    assert interactive >= 48 and waited <= 2  # a fifth of the rate is kept for them


def test_a_flood_pause_holds_only_that_chat():
    clock = Clock()
    limiter = Limiter(clock=clock)
    limiter.pause("7", 5)
    assert limiter.delay("7") >= 4.99
    assert limiter.delay("8") == 0
    clock.now += 5
    assert limiter.delay("7") == 0


def test_bulk_uses_the_whole_rate_when_nobody_is_talking():
    clock = Clock()
    limiter = Limiter(clock=clock)
    sent = 0
    for tick in range(10_000):
        clock.now += 0.001
        if limiter.delay(f"bulk{tick}", bulk=True) == 0:
            sent += 1
    assert sent >= 0.95 * 30 * 10


async def served_in_order(limiter, chats, stagger=0.003):
    """Start one waiter per entry of ``chats``, ``stagger`` seconds apart; the order in which
    the limiter let them out."""
    served: list[int] = []

    async def wait(index, chat):
        await asyncio.sleep(index * stagger)
        await limiter.acquire(chat)
        served.append(index)

    await asyncio.gather(*(wait(i, chat) for i, chat in enumerate(chats)))
    return served


async def test_one_chat_is_served_first_come_first_served():
    limiter = Limiter(Limits(per_chat_per_second=40, per_chat_burst=1))
    assert await served_in_order(limiter, ["7"] * 12) == list(range(12))


async def test_all_chats_share_the_global_rate_first_come_first_served():
    limiter = Limiter(Limits(per_second=40))
    assert await served_in_order(limiter, [str(n) for n in range(16)]) == list(range(16))


async def test_a_reply_is_not_queued_behind_a_broadcast():
    limiter = Limiter(Limits(per_second=20))
    served: list[str] = []

    async def send(chat, bulk):
        await limiter.acquire(chat, bulk=bulk)
        served.append(chat)

    bulk = [asyncio.create_task(send(f"b{n}", True)) for n in range(10)]
    await asyncio.sleep(0.01)
    await send("person", False)
    await asyncio.gather(*bulk)
    assert served.index("person") <= 3  # at most the burst and the one bulk send at the head
