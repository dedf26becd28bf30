"""conformance/drivers/python-driver picks the interpreter a matrix row names
(standard library only). A scratch PYENV_ROOT holds fake interpreters that
print who they are, so the choice is checked without pyenv or CPython."""
import os
import pathlib
import subprocess
import tempfile
import unittest

DRIVER = pathlib.Path(__file__).resolve().parents[2] / "drivers" / "python-driver"


class PyenvChoice(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.TemporaryDirectory()
        self.addCleanup(self.root.cleanup)
        for version in ("3.1.5", "3.12.1", "3.12.10", "3.12.9", "3.13.0"):
            bin_dir = pathlib.Path(self.root.name, "versions", version, "bin")
            bin_dir.mkdir(parents=True)
            fake = bin_dir / "python3"
            fake.write_text(f"#!/bin/sh\necho {version} \"$@\"\n")
            fake.chmod(0o755)

    def run_driver(self, *args):
        env = dict(os.environ, PYENV_ROOT=self.root.name, PYPROC_ORACLE_DIR="/oracle")
        return subprocess.run([str(DRIVER), *args], env=env, capture_output=True, text=True,
                              timeout=30)

    def test_a_minor_version_picks_its_newest_patch_release(self):
        result = self.run_driver("--pyenv", "3.12", "case.json")
        self.assertEqual(result.stdout, "3.12.10 /oracle/driver.py case.json\n")

    def test_a_prefix_matches_whole_components_only(self):
        self.assertEqual(self.run_driver("--pyenv", "3.1", "c").stdout.split()[0], "3.1.5")

    def test_an_exact_version(self):
        self.assertEqual(self.run_driver("--pyenv", "3.12.1", "c").stdout.split()[0], "3.12.1")

    def test_a_version_not_installed_is_a_clear_error(self):
        result = self.run_driver("--pyenv", "3.9", "c")
        self.assertEqual(result.returncode, 2)
        self.assertIn("pyenv has no CPython 3.9 installed", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_python_names_the_interpreter(self):
        fake = pathlib.Path(self.root.name, "versions", "3.13.0", "bin", "python3")
        result = self.run_driver("--python", str(fake), "--module", "billiard", "c")
        self.assertEqual(result.stdout, "3.13.0 /oracle/driver.py --module billiard c\n")


if __name__ == "__main__":
    unittest.main()
