"""A confirmation toast never reuses a fixed id.

Sonner (the toaster Reflex ships) treats a toast whose id is already on screen as an
update of that toast: the new text takes over the old toast's remaining life, and when
the old one is already leaving (its exit animation) the new text leaves with it, unseen.
With fixed ids ("decision-done"), an admin who started a review and rejected the tutor a
few seconds later lost the "Rejected" confirmation; a browser test caught it under load.
Each action's confirmation is its own toast. A toast whose text never changes may keep an
id (a burst of the same error then shows once): nothing different can be folded into it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tutorconnect"


def _is_toast_call(node: ast.Call) -> bool:
    func = node.func
    names = []
    while isinstance(func, ast.Attribute):
        names.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        names.append(func.id)
    return "toast" in names and names[-1] == "rx"


def test_no_toast_with_changing_text_is_given_a_fixed_id():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _is_toast_call(node):
                fixed_text = bool(node.args) and isinstance(node.args[0], ast.Constant)
                if any(k.arg == "id" for k in node.keywords) and not fixed_text:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, found


def test_the_check_sees_a_toast_with_an_id():
    tree = ast.parse('rx.toast.success("Saved.", id="saved")')
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert _is_toast_call(call) and call.keywords[0].arg == "id"
