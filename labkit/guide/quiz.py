"""Scenario questions in the style of the AWS Solutions Architect Professional exam (SAP-C02).

The questions live in ``labkit/data/quiz/<notebook>.json``, one reviewed file per notebook. Each
has a scenario, a question, four or more options with an explanation for every option (why it is
right, or why it is wrong), the answer (one letter, or a list of letters for "choose two"), the
exam domain it practises, the notebook section that teaches it, and the sources its facts were
checked against.

Contents
    Option, Question, Feedback, QuizScore, load_quiz, validate_quiz, grade, score,
    practice_set, score_by_domain, default_quiz_path, quiz_files, DOMAINS, QuizError
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from labkit.core.data import data_dir

__all__ = ["DOMAINS", "Feedback", "Option", "Question", "QuizError", "QuizScore",
           "default_quiz_path", "grade", "load_quiz", "practice_set", "quiz_files", "score",
           "score_by_domain", "validate_quiz"]

#: The four domains of the SAP-C02 exam guide, by the id the question files use.
DOMAINS: dict[str, str] = {
    "organizational-complexity": "Design Solutions for Organizational Complexity",
    "new-solutions": "Design for New Solutions",
    "continuous-improvement": "Continuous Improvement for Existing Solutions",
    "migration-modernization": "Accelerate Workload Migration and Modernization",
}

#: Practice-set sizes offered in notebook 13 (75 is the length of the real exam).
PRACTICE_SIZES = (10, 20, 75)


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
    domain: str | None = None
    section: str | None = None

    @property
    def answers(self) -> tuple[str, ...]:
        """The letters of the correct options (one, or several for "choose two")."""
        return tuple(o.key for o in self.options if o.correct)

    @property
    def answer(self) -> str:
        """The correct letter, or the correct letters joined by ", " ("B, D")."""
        return ", ".join(self.answers)

    @property
    def link(self) -> str:
        """The notebook section that teaches this question, as a relative link with its anchor
        (JupyterLab's: the heading text with spaces as hyphens)."""
        if not self.section:
            return self.notebook
        return f"{self.notebook}#{self.section.replace(' ', '-')}"

    @property
    def domain_name(self) -> str:
        """The exam domain's full name (empty when the question names none)."""
        return DOMAINS.get(self.domain or "", "")

    def option(self, key: str) -> Option:
        """The option with this letter; ``ValueError`` naming the valid letters otherwise."""
        for o in self.options:
            if o.key == key:
                return o
        raise ValueError(f"choice must be one of {', '.join(o.key for o in self.options)}, "
                         f"got {key!r}")

    def as_markdown(self) -> str:
        """The question as Markdown (scenario, question, lettered options)."""
        lines = [f"**{self.id} · {self.topic}** ([{self.notebook}]({self.link}))", "",
                 self.scenario, "", f"*{self.question}*", ""]
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
        chosen = self.choice.split(", ")
        lines = [f"{q.id}: you chose {self.choice}. {head}"]
        lines += [f"  {key}: {q.option(key).explanation}" for key in chosen]
        lines += [f"  {o.key}: {o.explanation}" for o in q.options if o.key not in chosen]
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
    """The folder of question files, ``labkit/data/quiz/`` in the installed package."""
    return data_dir() / "quiz"


def quiz_files() -> list[Path]:
    """The question files, one per notebook, in notebook order."""
    return sorted(default_quiz_path().glob("*.json"))


def _answer_keys(q: Mapping[str, Any]) -> list[str] | None:
    answer = q.get("answer")
    if isinstance(answer, str) and answer.strip():
        return [answer]
    if (isinstance(answer, list) and len(answer) >= 2
            and all(isinstance(a, str) and a.strip() for a in answer)):
        return list(answer)
    return None


def validate_quiz(raw: Mapping[str, Any], *, notebooks: set[str] | None = None,
                  minimum: int = 1, strict: bool = False) -> None:
    """Check a parsed quiz file; raise :class:`QuizError` naming the question and the rule.

    Rules: at least ``minimum`` questions; unique ids; every question has a scenario, a question,
    at least four options with distinct letters, non-empty text and explanation each; ``answer``
    names exactly one option (or, as a list of two or more letters, exactly those options, all
    distinct); at least one source; a notebook from ``notebooks`` if given; a ``domain`` from
    :data:`DOMAINS` and a non-empty ``section`` when given (required when ``strict``).
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
        for field in ("scenario", "question", "topic", "notebook"):
            if not isinstance(q.get(field), str) or not q[field].strip():
                raise QuizError(f"{qid}: '{field}' must be a non-empty string")
        answers = _answer_keys(q)
        if answers is None:
            raise QuizError(f"{qid}: 'answer' must be a letter or a list of two or more letters")
        if strict or "domain" in q:
            if q.get("domain") not in DOMAINS:
                raise QuizError(f"{qid}: 'domain' must be one of {', '.join(DOMAINS)}, got "
                                f"{q.get('domain')!r}")
        if strict or "section" in q:
            if not isinstance(q.get("section"), str) or not q["section"].strip():
                raise QuizError(f"{qid}: 'section' must name the notebook heading that teaches "
                                f"the question")
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
        if len(set(answers)) != len(answers) or any(keys.count(a) != 1 for a in answers):
            raise QuizError(f"{qid}: answer {q['answer']!r} must name exactly one option of "
                            f"{keys} (or, as a list, distinct options)")
        if not q.get("sources"):
            raise QuizError(f"{qid}: needs at least one source")
        if notebooks is not None and q["notebook"] not in notebooks:
            raise QuizError(f"{qid}: notebook {q['notebook']!r} is not one of the lab's")


def _questions(raw: Mapping[str, Any]) -> tuple[Question, ...]:
    return tuple(
        Question(q["id"], q["notebook"], q["topic"], q["scenario"], q["question"],
                 tuple(Option(o["key"], o["text"], o["key"] in _answer_keys(q), o["explanation"])
                       for o in q["options"]), tuple(q["sources"]), q.get("domain"),
                 q.get("section"))
        for q in raw["questions"])


def read_quiz_files(paths: Sequence[str | Path] | None = None) -> dict[str, Any]:
    """The question files merged into one ``{"questions": [...]}`` document (not validated).

    Each file holds one notebook's questions; a question without a ``notebook`` takes its file's.
    """
    merged: list[dict[str, Any]] = []
    for path in paths if paths is not None else quiz_files():
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
        if not isinstance(raw, Mapping) or not isinstance(raw.get("questions"), list):
            raise QuizError(f"{path}: a quiz file must be an object with a 'questions' list")
        for q in raw["questions"]:
            merged.append({"notebook": raw.get("notebook"), **q}
                          if isinstance(q, Mapping) else q)
    return {"questions": merged}


def load_quiz(path: str | Path | None = None, *, notebook: str | None = None,
              notebooks: set[str] | None = None) -> tuple[Question, ...]:
    """Read and validate the questions: every notebook's file (default), or one file ``path``;
    only ``notebook``'s questions when it is given (e.g. ``"08-data-lake.ipynb"``).

    >>> questions = load_quiz()
    >>> len(questions) >= 25, questions[0].answers[0] in "ABCDE"
    (True, True)
    >>> {q.notebook for q in load_quiz(notebook="10-circuit-breaker.ipynb")}
    {'10-circuit-breaker.ipynb'}
    """
    if path is None and notebooks is None:
        questions = _default_quiz()
    else:
        raw = read_quiz_files([path] if path is not None else None)
        validate_quiz(raw, notebooks=notebooks)
        questions = _questions(raw)
    if notebook is None:
        return questions
    chosen = tuple(q for q in questions if q.notebook == notebook)
    if not chosen:
        known = sorted({q.notebook for q in questions})
        raise ValueError(f"notebook must be one of {', '.join(known)}, got {notebook!r}")
    return chosen


@lru_cache(maxsize=1)
def _default_quiz() -> tuple[Question, ...]:
    raw = read_quiz_files()
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
    letters = [c.strip() for c in choice.split(",")]
    for letter in letters:
        question.option(letter)  # raises for an unknown letter
    if len(letters) != len(question.answers):
        raise ValueError(f"choice must name {len(question.answers)} option(s) for {question.id}, "
                         f"got {choice!r}")
    return Feedback(question, ", ".join(letters), sorted(letters) == sorted(question.answers))


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


def practice_set(size: int, *, seed: int = 0, questions: Sequence[Question] | None = None,
                 domain: str | None = None) -> tuple[Question, ...]:
    """A seeded practice set of ``size`` questions drawn without replacement (all notebooks mixed).

    ``size`` is one of :data:`PRACTICE_SIZES` (10, 20 or 75, the real exam's length); ``domain``
    restricts the draw to one exam domain. The same seed gives the same set.

    >>> [q.id for q in practice_set(10, seed=1)] == [q.id for q in practice_set(10, seed=1)]
    True
    """
    import numpy as np

    if size not in PRACTICE_SIZES:
        raise ValueError(f"size must be one of {PRACTICE_SIZES}, got {size!r}")
    pool = tuple(questions) if questions is not None else load_quiz()
    if domain is not None:
        if domain not in DOMAINS:
            raise ValueError(f"domain must be one of {', '.join(DOMAINS)}, got {domain!r}")
        pool = tuple(q for q in pool if q.domain == domain)
    if size > len(pool):
        raise ValueError(f"size must be <= {len(pool)}, the questions available, got {size}")
    rng = np.random.default_rng(seed)
    return tuple(pool[i] for i in rng.choice(len(pool), size=size, replace=False))


def score_by_domain(questions: Sequence[Question], answers: Mapping[str, str]) -> Any:
    """Right answers per exam domain: a DataFrame with ``domain``, ``questions``, ``answered``,
    ``correct`` and ``percent`` (of those answered), one row per domain present.

    >>> qs = practice_set(10, seed=2)
    >>> table = score_by_domain(qs, {q.id: q.answer for q in qs[:4]})
    >>> int(table["correct"].sum()), int(table["questions"].sum())
    (4, 10)
    """
    import pandas as pd

    by_id = {q.id: q for q in questions}
    unknown = set(answers) - set(by_id)
    if unknown:
        raise ValueError(f"answers name questions outside the set: {sorted(unknown)}")
    rows = []
    for key, name in [*DOMAINS.items(), (None, "(no domain)")]:
        members = [q for q in questions if q.domain == key]
        if not members:
            continue
        answered = [q for q in members if q.id in answers]
        correct = sum(grade(q, answers[q.id]).correct for q in answered)
        rows.append({"domain": name, "questions": len(members), "answered": len(answered),
                     "correct": correct,
                     "percent": 100.0 * correct / len(answered) if answered else float("nan")})
    return pd.DataFrame(rows)
