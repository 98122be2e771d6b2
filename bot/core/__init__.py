"""The platform-neutral core: bank, rounds, scoring, leaderboards and the QuizService facade."""
