"""Scenario questions in the style of the AWS Solutions Architect Professional exam.

The questions live in ``labkit/data/quiz.json`` (reviewed, with sources). Each has a scenario, a
question, four or more options with an explanation for every option (why it is right, or why it
is wrong), exactly one answer, and the sources its facts were checked against.

Contents
    Option, Question, Feedback, QuizScore, load_quiz, validate_quiz, grade, score,
    default_quiz_path, QuizError
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from labkit.core.data import data_dir

__all__ = ["Feedback", "Option", "Question", "QuizError", "QuizScore", "default_quiz_path",
           "grade", "load_quiz", "score", "validate_quiz"]


class QuizError(ValueError):
    """The quiz file breaks a rule (named in the message)."""


@dataclass(frozen=True)
class Option:
    """One answer option: its letter, text, whether it is right and why (or why not)."""

    key: str
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    """A scenario question."""

    id: str
    notebook: str
    topic: str
    scenario: str
    question: str
    options: tuple[Option, ...]
    sources: tuple[str, ...]

    @property
    def answer(self) -> str:
        """The letter of the one correct option."""
        return next(o.key for o in self.options if o.correct)

    def option(self, key: str) -> Option:
        """The option with this letter; ``ValueError`` naming the valid letters otherwise."""
        for o in self.options:
            if o.key == key:
                return o
        raise ValueError(f"choice must be one of {', '.join(o.key for o in self.options)}, "
                         f"got {key!r}")

    def as_markdown(self) -> str:
        """The question as Markdown (scenario, question, lettered options)."""
        lines = [f"**{self.id} · {self.topic}** ({self.notebook})", "", self.scenario, "",
                 f"*{self.question}*", ""]
        lines += [f"- **{o.key}.** {o.text}" for o in self.options]
        return "\n".join(lines)


@dataclass(frozen=True)
class Feedback:
    """The result of answering one question: right or not, and every option explained."""

    question: Question
    choice: str
    correct: bool

    def text(self) -> str:
        """Readable feedback: verdict, the explanation of the chosen option, then the others."""
        q = self.question
        head = ("Correct." if self.correct else
                f"Not quite: the answer is {q.answer}.")
        lines = [f"{q.id}: you chose {self.choice}. {head}",
                 f"  {self.choice}: {q.option(self.choice).explanation}"]
        lines += [f"  {o.key}: {o.explanation}" for o in q.options if o.key != self.choice]
        lines.append("  Sources: " + "; ".join(q.sources))
        return "\n".join(lines)


@dataclass(frozen=True)
class QuizScore:
    """Right answers out of questions answered, with the topics to revisit."""

    correct: int
    answered: int
    total: int
    revisit: tuple[str, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.answered if self.answered else 0.0

    def text(self) -> str:
        s = f"Score: {self.correct} of {self.answered} answered ({self.percent:.0f}%), " \
            f"{self.total - self.answered} not answered yet."
        if self.revisit:
            s += " Revisit: " + ", ".join(self.revisit) + "."
        return s


def default_quiz_path() -> Path:
    """``labkit/data/quiz.json`` in the installed package (labkit/data/)."""
    return data_dir() / "quiz.json"


def validate_quiz(raw: Mapping[str, Any], *, notebooks: set[str] | None = None,
                  minimum: int = 1) -> None:
    """Check a parsed quiz file; raise :class:`QuizError` naming the question and the rule.

    Rules: at least ``minimum`` questions; unique ids; every question has a scenario, a question,
    at least four options with distinct letters, non-empty text and explanation each; exactly one
    option whose letter is ``answer``; at least one source; a notebook from ``notebooks`` if given.
    """
    questions = raw.get("questions") if isinstance(raw, Mapping) else None
    if not isinstance(questions, list):
        raise QuizError("quiz file must be an object with a 'questions' list")
    if len(questions) < minimum:
        raise QuizError(f"quiz has {len(questions)} questions, at least {minimum} required")
    seen: set[str] = set()
    for i, q in enumerate(questions):
        qid = q.get("id") or f"question #{i + 1}"
        if qid in seen:
            raise QuizError(f"{qid}: duplicate id")
        seen.add(qid)
        for field in ("scenario", "question", "topic", "notebook", "answer"):
            if not isinstance(q.get(field), str) or not q[field].strip():
                raise QuizError(f"{qid}: '{field}' must be a non-empty string")
        options = q.get("options")
        if not isinstance(options, list) or len(options) < 4:
            raise QuizError(f"{qid}: needs at least 4 options")
        keys = [o.get("key") for o in options]
        if len(set(keys)) != len(keys):
            raise QuizError(f"{qid}: option letters must be distinct, got {keys}")
        for o in options:
            for field in ("key", "text", "explanation"):
                if not isinstance(o.get(field), str) or not o[field].strip():
                    raise QuizError(f"{qid}: option {o.get('key')!r} needs a non-empty '{field}'")
        if keys.count(q["answer"]) != 1:
            raise QuizError(f"{qid}: answer {q['answer']!r} must name exactly one option of {keys}")
        if not q.get("sources"):
            raise QuizError(f"{qid}: needs at least one source")
        if notebooks is not None and q["notebook"] not in notebooks:
            raise QuizError(f"{qid}: notebook {q['notebook']!r} is not one of the lab's")


def _questions(raw: Mapping[str, Any]) -> tuple[Question, ...]:
    return tuple(
        Question(q["id"], q["notebook"], q["topic"], q["scenario"], q["question"],
                 tuple(Option(o["key"], o["text"], o["key"] == q["answer"], o["explanation"])
                       for o in q["options"]), tuple(q["sources"]))
        for q in raw["questions"])


def load_quiz(path: str | Path | None = None, *,
              notebooks: set[str] | None = None) -> tuple[Question, ...]:
    """Read and validate the quiz (default: the committed ``labkit/data/quiz.json``).

    >>> questions = load_quiz()
    >>> len(questions) >= 25, questions[0].answer in "ABCD"
    (True, True)
    """
    if path is None and notebooks is None:
        return _default_quiz()
    with open(path or default_quiz_path(), encoding="utf-8") as fh:
        raw = json.load(fh)
    validate_quiz(raw, notebooks=notebooks)
    return _questions(raw)


@lru_cache(maxsize=1)
def _default_quiz() -> tuple[Question, ...]:
    with open(default_quiz_path(), encoding="utf-8") as fh:
        raw = json.load(fh)
    validate_quiz(raw)
    return _questions(raw)


def grade(question: Question, choice: str) -> Feedback:
    """Feedback on choosing ``choice`` (a letter) for ``question``.

    >>> q = load_quiz()[0]
    >>> grade(q, q.answer).correct
    True
    """
    if not isinstance(choice, str):
        raise TypeError(f"choice must be an option letter (str), got {type(choice).__name__}")
    question.option(choice)  # raises for an unknown letter
    return Feedback(question, choice, choice == question.answer)


def score(questions: Sequence[Question], answers: Mapping[str, str]) -> QuizScore:
    """Score ``answers`` (question id -> letter); unanswered questions are counted apart.

    >>> qs = load_quiz()
    >>> score(qs, {qs[0].id: qs[0].answer}).correct
    1
    """
    by_id = {q.id: q for q in questions}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise ValueError(f"answers name unknown questions {sorted(unknown)}")
    results = [grade(by_id[qid], choice) for qid, choice in answers.items()]
    revisit = tuple(dict.fromkeys(f"{r.question.topic} ({r.question.notebook})"
                                  for r in results if not r.correct))
    return QuizScore(sum(r.correct for r in results), len(results), len(questions), revisit)
