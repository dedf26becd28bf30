"""The include-direction check fails on each kind of include against the
layout, on a scratch tree, and passes on one that keeps it."""

import contextlib
import io
import os
import tempfile
import unittest

import check_include_direction as check


def write(root, relative, *includes):
    path = os.path.join(root, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(f'#include "{target}"\n' for target in includes))


class IncludeDirection(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(self.root))
        # A tree that keeps the layout.
        write(self.root, "impl/include/pyproc/exceptions.hpp")
        write(self.root, "impl/include/pyproc/os/wait.hpp", "pyproc/exceptions.hpp")
        write(self.root, "impl/include/pyproc/os.hpp", "pyproc/os/wait.hpp")
        write(self.root, "impl/include/pyproc/multiprocessing/process.hpp")
        write(self.root, "impl/include/pyproc/subprocess.hpp", "pyproc/os/wait.hpp")
        write(self.root, "impl/include/pyproc/pyproc.hpp", "pyproc/os.hpp",
              "pyproc/subprocess.hpp")
        write(self.root, "impl/src/core/syscalls.hpp")
        write(self.root, "impl/src/os/wait.cpp", "pyproc/os/wait.hpp", "core/syscalls.hpp")
        write(self.root, "impl/src/subprocess/child.cpp", "pyproc/os.hpp", "core/syscalls.hpp")
        write(self.root, "impl/src/multiprocessing/process.cpp",
              "pyproc/multiprocessing/process.hpp", "core/syscalls.hpp")
        write(self.root, "conformance/driver/core/script.hpp", "pyproc/os.hpp")
        write(self.root, "conformance/driver/os/functions.cpp", "core/script.hpp",
              "pyproc/os/wait.hpp")
        write(self.root, "conformance/driver/subprocess/functions.cpp", "os/functions.cpp",
              "pyproc/subprocess.hpp")
        write(self.root, "conformance/driver/families.cpp", "os/functions.cpp")

    def problems(self):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            status = check.main(["--root", self.root])
        return status, out.getvalue()

    def assert_refused(self, *fragments):
        status, out = self.problems()
        self.assertEqual(status, 1, out)
        for fragment in fragments:
            self.assertIn(fragment, out)

    def test_a_tree_that_keeps_the_layout_passes(self):
        self.assertEqual(self.problems(), (0, "includes point one way\n"))

    def test_core_including_a_family_is_refused(self):
        write(self.root, "impl/src/core/syscalls.cpp", "os/wait.cpp")
        self.assert_refused("impl/src/core/syscalls.cpp:1: core includes os")

    def test_multiprocessing_including_os_is_refused(self):
        write(self.root, "impl/src/multiprocessing/bootstrap.cpp", "pyproc/os/wait.hpp")
        self.assert_refused("multiprocessing includes os")

    def test_os_including_subprocess_is_refused(self):
        write(self.root, "impl/src/os/popen.cpp", "pyproc/subprocess.hpp")
        self.assert_refused("os includes subprocess")

    def test_a_public_header_including_a_private_one_is_refused(self):
        write(self.root, "impl/include/pyproc/os/fork.hpp", "core/syscalls.hpp")
        self.assert_refused('public header includes private "core/syscalls.hpp"')

    def test_a_family_including_the_umbrella_is_refused(self):
        write(self.root, "impl/src/os/spawn.cpp", "pyproc/pyproc.hpp")
        self.assert_refused("os includes umbrella")

    def test_an_include_of_a_missing_file_is_refused(self):
        write(self.root, "impl/src/os/spawn.cpp", "spawn.hpp")
        self.assert_refused('"spawn.hpp" does not exist')

    def test_a_file_outside_the_family_folders_is_refused(self):
        write(self.root, "impl/src/loose.cpp")
        self.assert_refused("impl/src/loose.cpp: outside the family folders")

    def test_the_driver_core_including_a_driver_family_is_refused(self):
        write(self.root, "conformance/driver/core/program.cpp", "os/functions.cpp")
        self.assert_refused("driver core includes driver os")

    def test_a_driver_family_using_another_systems_pyproc_is_refused(self):
        write(self.root, "conformance/driver/os/functions_wait.cpp",
              "pyproc/multiprocessing/process.hpp")
        self.assert_refused("driver os uses pyproc multiprocessing")


if __name__ == "__main__":
    unittest.main()
