"""The study commands as a person runs them: practice, review, exam, stats, report and analytics."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import quizbot


def test_practice_then_stats_review_report_and_analytics(tmp_path: Path) -> None:
    done = quizbot("practice", "eda", "--user", "Ann", "--count", "2", tmp=tmp_path, stdin="a\nb\n")
    assert done.returncode == 0, done.stderr
    assert "Practice 1/2" in done.stdout and "Practice done: 2 answered." in done.stdout
    assert "quizbot report" in done.stdout and "Traceback" not in done.stderr

    review = quizbot("review", "--user", "ann", tmp=tmp_path)  # just answered: nothing due yet
    assert review.returncode == 1 and review.stderr.startswith("quizbot: nothing is due for review now")
    assert len(review.stderr.strip().splitlines()) == 1

    stats = quizbot("stats", "ann", tmp=tmp_path)
    assert stats.returncode == 0, stats.stderr
    assert "Reviews due: 0 now, 2 within 7 days" in stats.stdout and "Readiness" in stats.stdout
    assert "Lowest readiness of the stages you have met: Exploratory" in stats.stdout
    assert "try quizbot practice eda" in stats.stdout

    asked = [line for line in done.stdout.splitlines() if line.strip().startswith("(") and "report" in line]
    qid = asked[0].strip()[1:].split(";")[0]
    report = quizbot("report", qid, "the", "wording", "is", "unclear", "--user", "Ann", tmp=tmp_path)
    assert report.returncode == 0 and "stored" in report.stdout
    assert quizbot("report", "no-such-id", "wrong", tmp=tmp_path).returncode == 1

    listed = quizbot("analytics", "--reports", "--json", tmp=tmp_path)
    (only,) = json.loads(listed.stdout)["reports"]
    assert (only["question"], only["player"], only["reason"]) == (qid, "Ann", "the wording is unclear")
    figures = json.loads(quizbot("analytics", "--json", "--min-answers", "1", tmp=tmp_path).stdout)
    assert sum(q["answered"] for q in figures["questions"]) == 2
    table = quizbot("analytics", "--min-answers", "1", tmp=tmp_path).stdout
    assert table.splitlines()[0].split()[:3] == ["question", "n", "right"] and len(table.splitlines()) == 3


def test_an_exam_stopped_halfway_resumes_and_analytics_refuses_a_missing_database(tmp_path: Path) -> None:
    first = quizbot("exam", "--count", "3", "--user", "bo", tmp=tmp_path, stdin="a\n")
    assert first.returncode == 0 and "Mock exam 1/3" in first.stdout and "recorded" in first.stdout
    second = quizbot("exam", "--user", "bo", tmp=tmp_path, stdin="a\na\n")  # every question has an A
    assert "Resuming your mock exam at question 2 of 3" in second.stdout
    assert "Mock exam: " in second.stdout and "By stage:" in second.stdout
    missing = quizbot("analytics", tmp=tmp_path, env={"QUIZBOT_DB": str(tmp_path / "nope" / "x.sqlite3")})
    assert missing.returncode == 1 and "no database" in missing.stderr
    assert not (tmp_path / "nope").exists()


def test_the_consoles_own_stats_show_the_study_lines_and_another_persons_do_not(tmp_path: Path) -> None:
    first = quizbot("run", "--window", "2s", "--rounds", "1", tmp=tmp_path, stdin="a\nann b\n")
    assert first.returncode == 0, first.stderr
    never = ("--cron", "0 0 1 1 *")  # no question this time: only the commands typed
    done = quizbot("run", *never, tmp=tmp_path, stdin="/stats ann\n/stats\n/quit\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Reviews due:") == 1 and "Readiness" in done.stdout
    ann, own = done.stdout.index("\nann: "), done.stdout.index("Reviews due:")
    mine = done.stdout.index("pts (", ann + 10)  # the next stats header: the terminal user's own
    assert ann < mine < own  # under the own stats, not under ann's
