"""Image cards (leaderboards, progress, season results): pure layouts, drawn to PNG by Pillow on first use."""
