"""The house's shape: stages import only downhill and no module imports itself round a cycle.

ground floor -> api -> transform -> render -> deliver -> batch -> commands. Every ``import`` in a
module counts, at the top or inside a function (a lazy import upward is still upward); only imports
under ``if TYPE_CHECKING:`` (types, never run) are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "reporter"
STAGES = ["ground", "api", "transform", "render", "deliver", "batch", "commands"]


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in ("api", "transform", "render", "deliver", "commands"):
        return parts[1]
    name = parts[1] if len(parts) >= 2 else ""
    if name in ("sections",):
        return "transform"  # the section registry: read by transform and render
    if name in ("config",):
        return "render"  # build settings: render options, contexts; below delivery
    if name in ("pipeline", "progress", "rebuild", "bid_batch") or name.startswith("batch"):
        return "batch"
    if name in ("cli", "__main__"):
        return "commands"
    return "ground"  # errors, dates, jsonio, fsio, tax_ids, limits, data, the package facade


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    me = module_name(path)
    out: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("reporter"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                pkg = me.split(".")[: -node.level] if not path.name == "__init__.py" else me.split(".")
                base = ".".join(pkg + ([base] if base else []))
            if base.startswith("reporter"):
                for a in node.names:  # "from reporter.api import tradetapp" names a module too
                    sub = f"{base}.{a.name}"
                    out.add(sub if (ROOT.parent / (sub.replace(".", "/") + ".py")).exists() else base)
    out.discard(me)
    return out


GRAPH = {module_name(p): imports_of(p) for p in sorted(ROOT.rglob("*.py"))}


def test_every_import_runs_downhill():
    upward = [
        f"{mod} ({stage_of(mod)}) imports {dep} ({stage_of(dep)})"
        for mod, deps in GRAPH.items()
        for dep in sorted(deps)
        if STAGES.index(stage_of(dep)) > STAGES.index(stage_of(mod))
    ]
    assert upward == []


def test_no_import_cycle():
    seen: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []

    def visit(mod: str, stack: list[str]) -> None:
        seen[mod] = 1
        for dep in sorted(GRAPH.get(mod, ())):
            if dep not in GRAPH:
                continue
            if seen.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep] if dep in stack else [mod, dep])
            elif dep not in seen:
                visit(dep, stack + [dep])
        seen[mod] = 2

    for mod in GRAPH:
        if mod not in seen:
            visit(mod, [mod])
    assert cycles == []


def test_the_graph_is_read():  # guards the two tests above against reading nothing
    assert len(GRAPH) > 60
    assert "reporter.api.http" in GRAPH["reporter.api.tradetapp"]
    assert stage_of("reporter.batch_task") == "batch" and stage_of("reporter.jsonio") == "ground"
