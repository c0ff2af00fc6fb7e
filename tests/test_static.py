"""Every Python file of the repository passes pyflakes: no undefined name, no unused import.

The examples and benchmarks are not all run by the tests at full size; an undefined name
there (one slipped in when the plots stopped using pyplot) would otherwise show only when a
user runs them.  pyflakes reads the files, it does not import them.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pyflakes_finds_nothing():
    folders = [str(ROOT / d) for d in ("spicemem", "examples", "bench", "tests")]
    out = subprocess.run([sys.executable, "-m", "pyflakes", *folders], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
