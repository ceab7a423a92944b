"""Parts of the two Zalo adapters (`bot.channels.zalo_oa`, `bot.channels.zalo_bot`): what they
share, the OA's token keeper, and the Bot Platform's monthly quota."""
