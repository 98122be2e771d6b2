"""Discord: discord.py client, slash commands, raw reaction listener, embeds."""
