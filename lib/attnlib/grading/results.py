"""Scores: what each test earned, and how a result is printed, saved as JSON or as a CSV row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def printable(text: str) -> str:
    """``text`` with control characters escaped, so that it cannot add lines or colours."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


@dataclass
class TestResult:
    name: str
    points: float
    max_points: float
    passed: bool
    message: str = ""
    hint: str = ""
    hidden: bool = False


@dataclass
class ExerciseResult:
    exercise: str
    title: str
    tests: list[TestResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def max_points(self) -> float:
        return sum(t.max_points for t in self.tests)

    def text(self, show_hidden_details: bool = False) -> str:
        """The report a student reads: one line per test, with hints for failures."""
        lines = [f"== {self.title} ({self.exercise}): {self.points:g} / {self.max_points:g} points"]
        lines += [f"   note: {printable(n)}" for n in self.notes]
        for t in self.tests:
            mark = "PASS" if t.passed else "FAIL"
            lines.append(f"  [{mark}] {t.name}  ({t.points:g}/{t.max_points:g})")
            if not t.passed and (show_hidden_details or not t.hidden):
                if t.message:
                    lines.append(f"         why:  {printable(t.message)}")
                if t.hint:
                    lines.append(f"         hint: {t.hint}")
        return "\n".join(lines)


@dataclass
class SubmissionResult:
    path: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    isolation: str = ""  # "sandbox" (bubblewrap) or "process" (no sandbox)
    notice: str = ""  # one line, e.g. why no sandbox could start

    @property
    def points(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def max_points(self) -> float:
        return sum(e.max_points for e in self.exercises)

    def text(self, show_hidden_details: bool = False) -> str:
        head = f"{self.path}: {self.points:g} / {self.max_points:g} points ({self.seconds:.2f} s)"
        body = [f"  notice: {self.notice}"] if self.notice else []
        body += [f"  error: {printable(e)}" for e in self.errors]
        body += [e.text(show_hidden_details) for e in self.exercises]
        return "\n".join([head, *body])

    def to_dict(self) -> dict:
        d = asdict(self)
        d["points"], d["max_points"] = self.points, self.max_points
        for e, ed in zip(self.exercises, d["exercises"]):
            ed["points"], ed["max_points"] = e.points, e.max_points
        return d
