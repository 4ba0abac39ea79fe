"""Every exercise is built the way CONTRIBUTING.md says, and every check belongs to one.

For each chapter notebook ``notebooks/NN_name.ipynb`` and the fixture chapter
``tests/fixtures/notebooks/91_fixture.ipynb``: each exercise has a label
``ex-N-M`` (N the chapter, M = 1, 2, ... in order), a difficulty mark in its
title, a hint in a dropdown, an ``exercise-end``, an ``exercise-stub`` cell
that checks ``N.M``, a registered check for ``N.M``, and a gated solution
(``:class: dropdown``) whose ``solution`` cells check ``N.M`` too. Each
registered check must belong to an exercise of the notebooks.
"""

import copy
import json
import re
import sys
from pathlib import Path

import pytest

import lsbook

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_CHAPTER = FIXTURES / "notebooks" / "91_fixture.ipynb"

sys.path[:0] = [str(ROOT / "scripts"), str(FIXTURES)]
import fixture_checks  # noqa: E402, F401 (registers the checks of the fixture chapter, 91.x)
import make_exercises  # noqa: E402

DIFFICULTY = re.compile(r"(?<!★)★{1,3}(?!★)")
PLACEHOLDER = re.compile(r"=\s*None\b|NotImplementedError")


def registered_ids() -> set[str]:
    return set(lsbook.check.exercises())


def book_check_ids() -> set[str]:
    """The ids checked by lsbook's own chapter modules (not by test fixtures)."""
    own = "lsbook.selfstudy.checks."
    return {ex for ex in lsbook.check.exercises() if lsbook.check.lookup(ex).checker.__module__.startswith(own)}


def checked_ids(cell) -> list[str]:
    return make_exercises.CHECK_CALL.findall(make_exercises.source(cell))


def exercise_problems(nb, chapter: int, registered: set[str]) -> list[str]:
    """Everything wrong with the exercises of one chapter notebook; empty when all is well."""
    cells, problems = nb["cells"], []
    exercises = make_exercises.chapter_exercises(nb)
    gated = set()
    for position, exercise in enumerate(exercises, start=1):
        expected_id = f"{chapter}.{position}"
        where = f"exercise {position} ({exercise.label or 'no label'})"
        if exercise.label != f"ex-{chapter}-{position}":
            problems.append(f"{where}: label should be ex-{chapter}-{position} (M-th exercise of chapter N)")
        if not DIFFICULTY.search(exercise.title):
            problems.append(f"{where}: the title needs a difficulty mark (★, ★★ or ★★★)")
        if not exercise.hints:
            problems.append(f"{where}: no hint (a hint admonition or a dropdown titled Hint, before exercise-end)")
        if any(not hint.is_dropdown for hint in exercise.hints):
            problems.append(f"{where}: a hint must be a dropdown (`:class: dropdown`)")
        if exercise.end is None:
            problems.append(f"{where}: no exercise-end")
        stub_ids = [ex for index in exercise.stubs for ex in checked_ids(cells[index])]
        if not exercise.stubs:
            problems.append(f"{where}: no code cell tagged exercise-stub")
        elif set(stub_ids) != {expected_id}:
            problems.append(f"{where}: the exercise-stub cell should call lsbook.check(\"{expected_id}\", ...)")
        if exercise.stubs and not any(PLACEHOLDER.search(make_exercises.source(cells[i])) for i in exercise.stubs):
            problems.append(f"{where}: the exercise-stub needs a placeholder (`answer = None` or NotImplementedError)")
        if expected_id not in registered:
            problems.append(f"{where}: no check registered for {expected_id}")
        problems += solution_problems(cells, exercise, where, expected_id)
        if exercise.solution_start is not None and exercise.solution_end is not None:
            gated.update(range(exercise.solution_start, exercise.solution_end + 1))
    stray = [i for i, cell in enumerate(cells) if "solution" in make_exercises.tags(cell) and i not in gated]
    if stray:
        problems.append(f"cells {stray} are tagged solution outside a solution-start/solution-end pair")
    return problems


def solution_problems(cells, exercise, where: str, expected_id: str) -> list[str]:
    solution = exercise.solution_directive
    if solution is None:
        return [f"{where}: no gated solution (solution-start)"]
    problems = []
    if solution.argument != exercise.label:
        problems.append(f"{where}: solution-start should name {exercise.label}, not {solution.argument!r}")
    if "dropdown" not in solution.options.get("class", "").split():
        problems.append(f"{where}: the solution needs `:class: dropdown`")
    if exercise.solution_end is None:
        problems.append(f"{where}: no solution-end")
    if not exercise.solution_cells:
        problems.append(f"{where}: no code cell tagged solution")
    elif expected_id not in {ex for i in exercise.solution_cells for ex in checked_ids(cells[i])}:
        problems.append(f"{where}: the solution cells should end with lsbook.check(\"{expected_id}\", ...)")
    if any(exercise.solution_start <= index for index in exercise.stubs):
        problems.append(f"{where}: the exercise-stub cell must come before the solution")
    return problems


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def chapter_paths() -> list[Path]:
    return make_exercises.chapter_notebooks(ROOT / "notebooks")


# The fixture chapter, and that each rule can fail ---------------------------------------


def test_fixture_chapter_is_well_formed():
    nb = load(FIXTURE_CHAPTER)
    assert len(make_exercises.chapter_exercises(nb)) == 3
    assert exercise_problems(nb, 91, registered_ids()) == []


def _cell(nb, cell_id):
    return next(cell for cell in nb["cells"] if cell["id"] == cell_id)


def _edit(cell_id, old, new):
    def edit(nb):
        cell = _cell(nb, cell_id)
        text = make_exercises.source(cell)
        assert old in text, f"fixture changed: {old!r} not in cell {cell_id}"
        cell["source"] = text.replace(old, new)

    return edit


def _untag(cell_id):
    def edit(nb):
        _cell(nb, cell_id)["metadata"]["tags"] = []

    return edit


BROKEN = {
    "label out of order": (_edit("md-ex2", "ex-91-2", "ex-91-5"), "label should be ex-91-2"),
    "wrong chapter in label": (_edit("md-ex1", "ex-91-1", "ex-19-1"), "label should be ex-91-1"),
    "no difficulty": (_edit("md-ex1", "batch ★", "batch"), "difficulty mark"),
    "no hint": (_edit("md-ex2", ":::{dropdown} Hint", ":::{note} Tip"), "no hint"),
    "hint not a dropdown": (_edit("md-ex1", ":class: dropdown\n", ""), "hint must be a dropdown"),
    "no exercise-end": (_edit("md-ex3-end", "{exercise-end}", "{note}"), "no exercise-end"),
    "no stub": (_untag("code-ex1-stub"), "no code cell tagged exercise-stub"),
    "stub checks another id": (_edit("code-ex2-stub", '"91.2"', '"91.1"'), 'call lsbook.check("91.2"'),
    "stub without placeholder": (_edit("code-ex1-stub", "answer = None", "answer = 3.0"), "needs a placeholder"),
    "solution not a dropdown": (_edit("md-sol2", ":class: dropdown", ":class: note"), "needs `:class: dropdown`"),
    "solution names another exercise": (_edit("md-sol3", "ex-91-3", "ex-91-2"), "solution-start should name"),
    "no solution": (_edit("md-sol1", "{solution-start}", "{note}"), "no gated solution"),
    "solution not tagged": (_untag("code-sol1"), "no code cell tagged solution"),
    "solution not checked": (_edit("code-sol3", 'lsbook.check("91.3", answer)', "answer"), "should end with"),
    "no solution-end": (_edit("md-sol2-end", "{solution-end}", "{note}"), "no solution-end"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_exercise_is_reported(name):
    edit, message = BROKEN[name]
    nb = copy.deepcopy(load(FIXTURE_CHAPTER))
    edit(nb)
    problems = exercise_problems(nb, 91, registered_ids())
    assert any(message in problem for problem in problems), problems


def test_a_missing_check_is_reported():
    problems = exercise_problems(load(FIXTURE_CHAPTER), 91, registered_ids() - {"91.2"})
    assert problems == ["exercise 2 (ex-91-2): no check registered for 91.2"]


def test_a_solution_cell_outside_the_gate_is_reported():
    nb = copy.deepcopy(load(FIXTURE_CHAPTER))
    _cell(nb, "code-3")["metadata"]["tags"] = ["solution"]
    assert any("outside a solution-start" in problem for problem in exercise_problems(nb, 91, registered_ids()))


def test_fixture_checks_all_have_an_exercise():
    fixture_ids = {ex.id for ex in make_exercises.chapter_exercises(load(FIXTURE_CHAPTER))}
    assert {ex for ex in registered_ids() if ex.startswith("91.")} == fixture_ids


# The book's chapters --------------------------------------------------------------------


def test_chapter_notebooks_are_named_by_number():
    """Chapter N of the book is notebooks/NN_name.ipynb: the structure test reads N from the name."""
    stray = [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if make_exercises.chapter_number(p) is None]
    assert stray == [], f"notebooks not named NN_name.ipynb, so not checked as chapters: {stray}"


def test_every_chapter_exercise_is_well_formed():
    """Runs over whatever chapter notebooks exist (none is fine: then the fixture tests above carry the rules)."""
    problems = []
    for path in chapter_paths():
        problems += [f"{path.name}: {p}" for p in exercise_problems(load(path), make_exercises.chapter_number(path),
                                                                    registered_ids())]
    assert problems == [], "\n".join(problems)


def test_every_registered_check_belongs_to_an_exercise():
    in_notebooks = {ex.id for path in chapter_paths() for ex in make_exercises.chapter_exercises(load(path))}
    orphans = sorted(book_check_ids() - in_notebooks)
    assert orphans == [], f"checks registered in lsbook.selfstudy.checks without an exercise in notebooks/: {orphans}"
