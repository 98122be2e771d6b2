"""quizbot: scheduled multiple-choice quizzes on the ML lifecycle, for Discord, Slack and the terminal."""

__version__ = "0.1.0"
