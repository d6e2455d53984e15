"""Forms only validate (issue 14 item 2): no forms module imports a services module, and no
form defines save() or a save_* method. Views call the service and show its refusal on the
form with sendfund.lib.forms.add_service_errors."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORMS_MODULES = sorted(
    path.relative_to(ROOT).as_posix()
    for app in ("pupils", "funding", "advocacy")
    for path in (ROOT / app).rglob("*.py")
    if "forms" in path.stem
)


def _is_services(module: str) -> bool:
    return any(part == "services" or part.endswith("_services") for part in module.split("."))


def violations(source: str) -> list[str]:
    """What makes a forms module more than validation: service imports and save methods."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if _is_services(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if _is_services(module):
                found.append(f"imports from {module}")
            found += [f"imports {module}.{a.name}" for a in node.names if _is_services(a.name)]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (
                    item.name == "save" or item.name.startswith("save_")
                ):
                    found.append(f"{node.name}.{item.name}()")
    return found


def test_the_forms_modules_are_found():
    assert {"pupils/forms.py", "pupils/plan_forms.py", "funding/forms.py", "advocacy/forms.py"} <= (
        set(FORMS_MODULES)
    )


@pytest.mark.parametrize("path", FORMS_MODULES)
def test_a_forms_module_only_validates(path):
    assert violations((ROOT / path).read_text()) == []


def test_the_check_finds_a_form_that_saves_through_a_service():
    # The shape the forms had before (pupils/forms.py's ServiceForm, plan_forms' save_plan).
    old = (
        "from pupils import services\n"
        "from pupils.plan_services import plan_save\n"
        "class StatusForm(forms.Form):\n"
        "    def save(self):\n"
        "        return services.sen_status_change(school=self.school)\n"
        "class PlanForm(forms.ModelForm):\n"
        "    def save_plan(self, user=None):\n"
        "        return True\n"
    )
    assert violations(old) == [
        "imports pupils.services",
        "imports from pupils.plan_services",
        "StatusForm.save()",
        "PlanForm.save_plan()",
    ]
