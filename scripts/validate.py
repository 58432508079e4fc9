"""`rasa data validate`, failing on every warning except one kind.

Rasa warns about responses "not used in any story or rule" even when a custom
action sends them; those are allowed if the response name appears in actions/, channels/ or loanwhy/
(tests/test_consistency.py checks the same from the other side).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    rasa = str(Path(sys.executable).parent / "rasa")
    proc = subprocess.run([rasa, "data", "validate"], cwd=ROOT, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    sent_by_actions = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    sent_by_actions += " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "channels").rglob("*.py"))
    sent_by_actions += " ".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "loanwhy").glob("*.py")
    )  # report.py lays out the report
    problems = []
    for line in output.splitlines():
        if "UserWarning" not in line and "Error" not in line:
            continue
        unused = re.search(r"The utterance '(utter_\w+)' is not used in any story or rule", line)
        if unused and unused.group(1) in sent_by_actions:
            continue
        if "Slot auto-fill has been removed" in line:
            continue
        problems.append(line.strip())
    if proc.returncode != 0 or problems:
        print("\n".join(problems) or output[-3000:])
        print("rasa data validate: FAILED")
        return 1
    print("rasa data validate: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
