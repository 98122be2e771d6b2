"""Study features over plain values: each person's memory of each question, readiness and question analytics."""
