"""``contentapi partners check`` and ``new-key``, as operators run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from contentapi.partners.registry import EXAMPLE_REGISTRY, hash_key


def test_partners_check_passes_the_example_and_prints_ratios(runner):
    result = runner.invoke(args=["partners", "check", str(EXAMPLE_REGISTRY)])
    assert result.exit_code == 0, result.output
    assert "demo: Demo Hospital" in result.output
    assert "14.13:1" in result.output and "every theme meets WCAG AA" in result.output


def test_partners_check_fails_with_one_line(tmp_path):
    path = tmp_path / "partners.toml"
    path.write_text('[partners.pale]\nname = "Pale"\norigins = ["https://pale.example"]\n[partners.pale.theme]\nfocus = "#eeeeee"\n')
    # The console script, as operators run it.
    result = subprocess.run(
        [str(Path(sys.executable).with_name("contentapi")), "partners", "check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'pale'" in lines[0] and "focus ring against background" in lines[0] and "1.16:1" in lines[0]


def test_new_key_prints_a_key_and_its_hash(runner):
    result = runner.invoke(args=["partners", "new-key"])
    key = result.output.splitlines()[0].split()[-1]
    stored = result.output.splitlines()[1].split('"')[1]
    assert len(key) >= 40 and hash_key(key) == stored
