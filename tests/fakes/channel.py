"""A platform that accepts every message: the outbox sender's view of Telegram, recorded."""


class RecordingChannel:
    name, text_only = "telegram", False

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send(self, chat_id, replies, *, bulk=False, priority=5):
        self.sent += [(chat_id, reply.text) for reply in replies]
