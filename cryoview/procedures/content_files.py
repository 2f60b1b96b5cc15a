"""Reading YAML while remembering where every value came from, so errors can name file, line and field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class ContentProblem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field or '(file)'}: {self.message}"


@dataclass
class LocatedData:
    data: Any
    lines: dict[Location, int]

    def line_of(self, location: Location) -> int:
        """The line of the deepest known part of `location` (a missing key points at its parent)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return 1


class ContentReadError(Exception):
    def __init__(self, problem: ContentProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _plain(node: yaml.Node, location: Location, lines: dict[Location, int], line: int | None = None) -> Any:
    # A mapping value is located at its key's line: "duration_minutes:" rather than the line below it.
    lines[location] = line if line is not None else node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.safe_load(yaml.serialize(key_node))
            if key in result:
                raise ContentReadError(
                    ContentProblem("", key_node.start_mark.line + 1, str(key), "this key appears twice")
                )
            result[key] = _plain(value_node, (*location, key), lines, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*location, index), lines) for index, item in enumerate(node.value)]
    return yaml.safe_load(yaml.serialize(node))


def read_located(path: Path, *, display_name: str) -> LocatedData:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentReadError(ContentProblem(display_name, 1, "", f"not UTF-8 text ({error.reason})")) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise ContentReadError(ContentProblem(display_name, line, "", f"YAML syntax: {error.problem}")) from None
    if node is None:
        raise ContentReadError(ContentProblem(display_name, 1, "", "the file is empty"))
    lines: dict[Location, int] = {}
    try:
        data = _plain(node, (), lines)
    except ContentReadError as error:
        p = error.problem
        raise ContentReadError(ContentProblem(display_name, p.line, p.field, p.message)) from None
    return LocatedData(data=data, lines=lines)
