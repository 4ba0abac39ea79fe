"""Write the learners' exercise notebooks from the chapter notebooks.

    python scripts/make_exercises.py [SOURCE_DIR [DEST_DIR]]

Defaults: ``notebooks`` and ``notebooks/exercises`` (``make exercises`` runs
this). For every chapter ``SOURCE_DIR/NN_name.ipynb`` that has exercises it
writes ``DEST_DIR/NN_name.ipynb``, which holds:

1. a short introduction: how to work through the exercises, how to check an
   answer, where the worked solutions are;
2. the chapter's code cells that come before its exercises, collapsed and
   without outputs. Running all of them, in the book's order, recreates the
   exact state the exercises were written against (the same arrays, the same
   random draws), which pruning to "what the exercises seem to need" could
   not promise. Cells tagged ``raises-exception`` (deliberate errors) are
   left out so that "Run All" runs through;
3. the exercises section as in the chapter: prose, hints and the
   ``exercise-stub`` cells with their checks. The MyST exercise markup
   becomes plain Markdown that Jupyter renders (a heading per exercise, each
   hint in a collapsible ``<details>``), glued numbers are filled in from the
   chapter's stored outputs, and each gated solution (``solution-start`` to
   ``solution-end`` with its ``solution`` cells) becomes a pointer to the book.

The output is deterministic: no outputs, no execution counts, no volatile
metadata, nbformat's stable JSON; regenerating gives byte-identical files.
Files in DEST_DIR of chapters that no longer have exercises are removed.
The parsing helpers below are also used by the tests of the exercise
structure.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

CHAPTER_NAME = re.compile(r"^(?P<number>\d{2})_[a-z0-9_]+\.ipynb$")
# A MyST directive opening: ```{name} argument  or  :::{name} argument
DIRECTIVE_OPEN = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}(?P<argument>.*)$")
DIRECTIVE_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$")
LABEL = re.compile(r"^ex-(?P<chapter>\d+)-(?P<exercise>\d+)$")
CHECK_CALL = re.compile(r"\bcheck\(\s*[\"'](?P<id>\d+\.\d+)[\"']")
GLUE_ROLE = re.compile(r"\{glue(?::text|:any)?\}`(?P<name>[^`:]+)(?::(?P<format>[^`]*))?`")
GLUE_MIME = "application/papermill.record/text/plain"
# Cross-references and citations, which only the book resolves: {ref}`label`, {prf:ref}`text <label>`, {cite}`key`
BOOK_ROLE = re.compile(r"\{(?P<role>ref|numref|eq|doc|prf:ref|cite|cite:[a-z]+)\}`(?P<content>[^`]*)`")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


# Reading the chapter notebooks -----------------------------------------------------------


@dataclass
class Directive:
    """A top-level MyST directive in a markdown cell, lines ``start`` to ``end`` inclusive."""

    name: str
    argument: str
    options: dict[str, str]
    body: list[str]
    start: int
    end: int

    @property
    def is_hint(self) -> bool:
        return self.name == "hint" or (self.name in ("admonition", "dropdown") and "hint" in self.argument.lower())

    @property
    def is_dropdown(self) -> bool:
        return self.name == "dropdown" or "dropdown" in self.options.get("class", "").split()


def directives(markdown: str) -> list[Directive]:
    """The top-level directives of a markdown cell (nested ones stay in their parent's body)."""
    lines, found, index = markdown.splitlines(), [], 0
    while index < len(lines):
        opening = DIRECTIVE_OPEN.match(lines[index].strip())
        if not opening:
            index += 1
            continue
        fence = opening["fence"]
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        inner = lines[index + 1 : end]
        options = {}
        while inner and (option := DIRECTIVE_OPTION.match(inner[0].strip())):
            options[option["key"]] = option["value"].strip()
            inner = inner[1:]
        found.append(Directive(opening["name"], opening["argument"].strip(), options, inner, index, end))
        index = end + 1
    return found


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def first_directive(cell, name: str) -> Directive | None:
    if cell["cell_type"] != "markdown":
        return None
    return next((d for d in directives(source(cell)) if d.name == name), None)


def exercise_id(label: str) -> str | None:
    """``"ex-2-3"`` -> ``"2.3"``; ``None`` for a label that does not follow the convention."""
    match = LABEL.match(label.strip())
    return f"{int(match['chapter'])}.{int(match['exercise'])}" if match else None


@dataclass
class Exercise:
    """One exercise of a chapter: the cells from its ``exercise-start`` up to the next one."""

    label: str
    title: str
    start: int  # index of the exercise-start cell
    stop: int  # index after the last cell of the exercise
    end: int | None = None  # index of the exercise-end cell
    hints: list[Directive] = field(default_factory=list)
    stubs: list[int] = field(default_factory=list)
    solution_start: int | None = None
    solution_directive: Directive | None = None
    solution_end: int | None = None
    solution_cells: list[int] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        return exercise_id(self.label)


def chapter_exercises(nb) -> list[Exercise]:
    """The exercises of a chapter notebook, in document order."""
    cells = nb["cells"]
    starts = [i for i, cell in enumerate(cells) if first_directive(cell, "exercise-start")]
    found = []
    for start, stop in zip(starts, [*starts[1:], len(cells)], strict=False):  # the last one ends the notebook
        opening = first_directive(cells[start], "exercise-start")
        exercise = Exercise(opening.options.get("label", ""), opening.argument, start, stop)
        in_solution = False
        for index in range(start, stop):
            cell = cells[index]
            if exercise.end is None and first_directive(cell, "exercise-end"):
                exercise.end = index
            if exercise.end is None and cell["cell_type"] == "markdown":
                exercise.hints += [d for d in directives(source(cell)) if d.is_hint]
            if "exercise-stub" in tags(cell):
                exercise.stubs.append(index)
            if (solution := first_directive(cell, "solution-start")) and exercise.solution_start is None:
                exercise.solution_start, exercise.solution_directive, in_solution = index, solution, True
            if in_solution and "solution" in tags(cell):
                exercise.solution_cells.append(index)
            if in_solution and first_directive(cell, "solution-end"):
                exercise.solution_end, in_solution = index, False
        found.append(exercise)
    return found


def chapter_number(path: Path) -> int | None:
    match = CHAPTER_NAME.match(path.name)
    return int(match["number"]) if match else None


def chapter_notebooks(directory: Path) -> list[Path]:
    """The chapter notebooks ``NN_name.ipynb`` of a directory, in chapter order."""
    return sorted(path for path in directory.glob("*.ipynb") if chapter_number(path) is not None)


# Writing the student notebook ------------------------------------------------------------


def glued_values(nb) -> dict[str, str]:
    """The values the chapter glued (myst-nb ``glue``), as stored in its outputs."""
    values = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name and GLUE_MIME in output.get("data", {}):
                values[name] = "".join(output["data"][GLUE_MIME])
    return values


def fill_glue(markdown: str, values: dict[str, str]) -> str:
    """Replace glue roles by their value; a role that cannot be filled stays as it is."""

    def value(match: re.Match) -> str:
        text = values.get(match["name"])
        if text is None:
            return match[0]
        if not match["format"]:
            return text
        number = re.fullmatch(r"(?:np\.\w+\()?([-+.\deEinfa]+)\)?", text.strip())  # 0.62 or np.float64(0.62)
        try:
            return format(float(number[1]), match["format"])
        except (TypeError, ValueError):
            return match[0]

    return GLUE_ROLE.sub(value, markdown)


def plain_markdown(markdown: str, values: dict[str, str]) -> str:
    """Exercise markdown as plain Jupyter Markdown: headings, ``<details>`` hints, glued numbers."""
    lines = markdown.splitlines()
    for directive in reversed(directives(markdown)):  # from the end, so line numbers stay valid
        if directive.name == "exercise-start":
            number = exercise_id(directive.options.get("label", "")) or "?"
            heading = f"### Exercise {number}" + (f": {directive.argument}" if directive.argument else "")
            body = _trimmed(directive.body)
            replacement = [heading, "", *body] if body else [heading]
        elif directive.name == "exercise-end":
            replacement = []
        elif directive.is_hint:
            title = directive.argument or "Hint"
            summary = f"<summary><strong>{title}</strong></summary>"
            replacement = ["<details>", summary, "", *_trimmed(directive.body), "", "</details>"]
        else:
            continue
        lines[directive.start : directive.end + 1] = replacement
    return plain_references(fill_glue("\n".join(lines).strip("\n"), values))


def plain_references(markdown: str) -> str:
    """Cross-references as their text, or their label marked as the book's; citations in brackets."""

    def plain(match: re.Match) -> str:
        content = match["content"]
        if match["role"].startswith("cite"):
            return f"[{content}]"
        if "<" in content:
            text = content.split("<")[0].strip()
            return f"{text.replace('%s', '').strip()} (in the book)" if "%s" in text else text
        return f"`{content}` (in the book)"

    return BOOK_ROLE.sub(plain, markdown)


def _trimmed(lines: list[str]) -> list[str]:
    text = "\n".join(lines).strip("\n")
    return text.splitlines() if text else []


def chapter_title(nb, fallback: str) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in source(cell).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def introduction(number: int, title: str, chapter_file: str, exercises: list[Exercise]) -> str:
    ids = [exercise.id or "?" for exercise in exercises]
    return f"""# Exercises: {title}

The exercises of chapter {number} ({", ".join(ids)}), to work through on your own.

1. Run the setup cells below first (or *Run > Run All Cells*: every check then says "not attempted").
2. In each exercise, replace `answer = None` (or the function that raises `NotImplementedError`) with your \
answer and run the cell. `lsbook.check` says whether it is correct or, if not, what kind of mistake it looks \
like, without giving the answer away.
3. Stuck? Open the hint under the exercise. The worked solutions are in the book, chapter {number} \
(`notebooks/{chapter_file}`), under each exercise.

`make exercises` regenerates this notebook from the chapter and overwrites it: save your work under another \
name (*File > Save Notebook As...*)."""


SETUP_NOTE = """## Setup

The chapter's code, in the book's order, so that every array, function and random draw the exercises \
mention is the same as in the book. The cells are collapsed: click the dots to read them."""


def markdown_cell(text: str, cell_id: str):
    return nbformat.v4.new_markdown_cell(text, id=cell_id)


def code_cell(cell, cell_id: str, *, hidden: bool = False):
    metadata = {"tags": tags(cell)} if tags(cell) else {}
    if hidden:
        metadata["jupyter"] = {"source_hidden": True}
    return nbformat.v4.new_code_cell(source(cell), id=cell_id, metadata=metadata)


def exercises_start(cells, first_exercise: int) -> int:
    """Where the exercises section begins: its heading, if one sits right above the first exercise."""
    before = first_exercise - 1
    if before >= 0 and cells[before]["cell_type"] == "markdown":
        text = source(cells[before]).lstrip()
        if text.startswith("#") and "exercise" in text.splitlines()[0].lower():
            return before
    return first_exercise


def student_notebook(nb, chapter_file: str, number: int):
    """The exercise notebook of one chapter (see the module docstring), or ``None`` without exercises."""
    exercises = chapter_exercises(nb)
    if not exercises:
        return None
    cells, values = nb["cells"], glued_values(nb)
    ids = [cell.get("id") or f"cell-{index}" for index, cell in enumerate(cells)]
    section = exercises_start(cells, exercises[0].start)
    out = [markdown_cell(introduction(number, chapter_title(nb, chapter_file), chapter_file, exercises), "intro")]

    setup = [i for i in range(section) if cells[i]["cell_type"] == "code" and source(cells[i]).strip()]
    setup = [i for i in setup if "raises-exception" not in tags(cells[i])]
    if setup:
        out.append(markdown_cell(SETUP_NOTE, "setup"))
        out += [code_cell(cells[i], ids[i], hidden=True) for i in setup]
    if section == exercises[0].start:
        out.append(markdown_cell("## Exercises", "exercises"))

    gated = set()  # the cells of every gated solution, from solution-start to solution-end
    for exercise in exercises:
        if exercise.solution_start is not None:
            last = exercise.solution_end if exercise.solution_end is not None else exercise.stop - 1
            gated.update(range(exercise.solution_start, last + 1))
    for index in range(section, len(cells)):
        cell = cells[index]
        if index in gated or "solution" in tags(cell):
            solution = first_directive(cell, "solution-start")
            if solution:
                out.append(markdown_cell(solution_pointer(solution, number, chapter_file), f"{ids[index]}-pointer"))
            continue
        if cell["cell_type"] == "code":
            out.append(code_cell(cell, ids[index]))
        elif cell["cell_type"] == "markdown" and (text := plain_markdown(source(cell), values)).strip():
            out.append(markdown_cell(text, ids[index]))

    metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    student = nbformat.v4.new_notebook(cells=out, metadata=metadata)
    nbformat.validate(student)
    return student


def solution_pointer(solution: Directive, number: int, chapter_file: str) -> str:
    which = exercise_id(solution.argument) or f"in chapter {number}"
    return (f"**Solution.** The worked solution is in the book: Exercise {which} "
            f"(chapter {number}, `notebooks/{chapter_file}`).")


def render(notebook) -> str:
    """Stable text of a notebook: nbformat's sorted, indented JSON with a final newline."""
    return nbformat.writes(notebook, version=4).rstrip("\n") + "\n"


def make_exercises(source_dir: Path, dest_dir: Path) -> list[Path]:
    """Write every chapter's exercise notebook; return the paths written."""
    written = []
    for path in chapter_notebooks(source_dir):
        nb = json.loads(path.read_text(encoding="utf-8"))
        student = student_notebook(nb, path.name, chapter_number(path))
        target = dest_dir / path.name
        if student is None:
            target.unlink(missing_ok=True)  # the chapter lost its exercises
            continue
        dest_dir.mkdir(parents=True, exist_ok=True)
        target.write_text(render(student), encoding="utf-8")
        written.append(target)
    chapters = {path.name for path in chapter_notebooks(source_dir)}
    for stale in chapter_notebooks(dest_dir) if dest_dir.is_dir() else []:
        if stale.name not in chapters:
            stale.unlink()  # the chapter itself is gone
    return written


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    source_dir = Path(argv[0]) if argv else Path("notebooks")
    dest_dir = Path(argv[1]) if len(argv) > 1 else source_dir / "exercises"
    written = make_exercises(source_dir, dest_dir)
    print(f"wrote {len(written)} exercise notebook(s) to {dest_dir}" + "".join(f"\n  {p}" for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
