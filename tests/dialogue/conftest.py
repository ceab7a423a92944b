"""Dialogue fixtures."""

import pytest

from tests.fakes.chat import FakeChat


@pytest.fixture(params=["console", "zalo_bot"])
def person(request, dispatcher):
    """One person on a text-only channel: the terminal chat, or the Zalo Bot Platform (whose
    adapter adds nothing to the dialogue but its channel name; see tests/channel for it)."""
    return FakeChat(dispatcher, channel=request.param)
