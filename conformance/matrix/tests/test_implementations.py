"""The implementations as data (conformance/matrix/implementations/*.json,
run.py --implementation PATH): every in-tree file loads, the commands they
make, and a malformed file is refused naming the file and the field."""

import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = os.path.dirname(HERE)
ROOT = os.path.dirname(os.path.dirname(MATRIX))
sys.path.insert(0, MATRIX)

import implementations  # noqa: E402

GOOD = {"id": "mine", "label": "Mine", "interpreter": {"python": "python3"},
        "python_version": "3.12"}


class InTreeTest(unittest.TestCase):
    def test_the_list_the_issue_asks_for(self):
        ids = [i.id for i in implementations.ALL]
        self.assertEqual(ids, ["pyproc-cpp", "cpython-3.8", "cpython-3.9", "cpython-3.10",
                               "cpython-3.11", "cpython-3.12", "cpython-3.13",
                               "cpython-3.11-spawn", "cpython-3.11-forkserver", "pypy3",
                               "billiard", "multiprocess", "gevent", "eventlet", "psutil"])
        self.assertEqual([i.id for i in implementations.select(["cpython-3.1?"])],
                         ["cpython-3.10", "cpython-3.11", "cpython-3.12", "cpython-3.13"])
        with self.assertRaises(ValueError):
            implementations.select(["jython"])

    def test_the_commands_the_data_makes(self):
        by_id = {i.id: i for i in implementations.load(build="B")}
        self.assertEqual(by_id["pyproc-cpp"].command, ["B/conformance/pyproc-driver"])
        self.assertEqual(by_id["pyproc-cpp"].deviations, "conformance/deviations/cpp.json")
        self.assertEqual(by_id["cpython-3.11-spawn"].command,
                         ["conformance/drivers/python-driver", "--pyenv", "3.11",
                          "--start-method", "spawn"])
        self.assertEqual(by_id["billiard"].command,
                         ["conformance/drivers/python-driver", "--python", "/usr/bin/python3",
                          "--module", "billiard"])
        self.assertEqual(by_id["gevent"].command,
                         ["conformance/drivers/python-driver", "--python", "/usr/bin/python3",
                          "--preload", "gevent.monkey:patch_all", "--os-module", "gevent.os",
                          "--subprocess-module", "gevent.subprocess"])
        self.assertEqual(by_id["psutil"].command[-2:], ["--subprocess-module", "psutil:Popen"])
        self.assertEqual(by_id["psutil"].apt, ("python3-psutil",))
        self.assertEqual(by_id["cpython-3.9"].python_version, "3.9")
        # The probe imports what the row names, preload included (not called).
        self.assertIn("import gevent.monkey; import gevent.os; import gevent.subprocess",
                      by_id["gevent"].probe[-1])

    def test_a_missing_interpreter_is_named(self):
        impl = implementations.Implementation("x", "X", ["drv"],
                                              probe=["/nonexistent/python3", "-c", ""])
        self.assertIn("/nonexistent/python3", impl.missing(ROOT))
        impl = implementations.Implementation("y", "Y", ["drv"], probe=[sys.executable, "-c",
                                                                        "import no_such_module"])
        self.assertIn("No module named 'no_such_module'", impl.missing(ROOT))
        impl = implementations.Implementation("z", "Z", ["no/such/driver"])
        self.assertIn("no/such/driver is not there or not executable", impl.missing(ROOT))


class FileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, doc, name="mine.json"):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            f.write(doc if isinstance(doc, str) else json.dumps(doc))
        return path

    def refused(self, doc, field, why):
        path = self.write(doc)
        with self.assertRaises(implementations.FormatError) as e:
            implementations.load([path])
        self.assertIn(path + ": " + (field + ": " if field else ""), str(e.exception))
        self.assertIn(why, str(e.exception))

    def test_an_out_of_tree_file_joins_the_rest(self):
        path = self.write(dict(GOOD, modules={"subprocess": "mylib.subprocess"},
                               preload="mylib:setup", order=5))
        impls = implementations.load([path])
        self.assertEqual(impls[0].id, "mine")  # order 5 comes before pyproc-cpp's 10
        self.assertEqual(impls[0].command, ["conformance/drivers/python-driver", "--python",
                                            "python3", "--preload", "mylib:setup",
                                            "--subprocess-module", "mylib.subprocess"])
        self.assertEqual(impls[0].source, path)

    def test_a_driver_of_its_own(self):
        path = self.write({"id": "rust-port", "label": "A Rust port", "python_version": "3.12",
                           "driver": ["/opt/port/driver", "--fast"],
                           "deviations": "/opt/port/deviations.json"})
        impl = implementations.load([path])[-1]
        self.assertEqual((impl.command, impl.deviations, impl.start_method),
                         (["/opt/port/driver", "--fast"], "/opt/port/deviations.json", "fork"))

    def test_malformed_files_name_the_file_and_the_field(self):
        self.refused("{", None, "not JSON")
        self.refused("[]", None, "must hold one JSON object")
        self.refused(dict(GOOD, colour="red"), "colour", "unknown field")
        self.refused(dict(GOOD, id="My Impl"), "id", "an id of lower-case letters")
        self.refused({k: v for k, v in GOOD.items() if k != "label"}, "label", "must be a string")
        self.refused(dict(GOOD, python_version=3.12), "python_version", "as \"3.11\"")
        self.refused(dict(GOOD, start_method="vfork"), "start_method", "one of fork, spawn")
        self.refused(dict(GOOD, interpreter={"conda": "x"}), "interpreter", "{\"pyenv\"")
        self.refused(dict(GOOD, interpreter={"pyenv": "latest"}), "interpreter.pyenv",
                     "a prefix of one")
        self.refused(dict(GOOD, driver=["d"]), "interpreter", "exactly one of")
        self.refused({k: v for k, v in GOOD.items() if k != "interpreter"}, "interpreter",
                     "exactly one of")
        self.refused(dict(GOOD, modules={"threading": "x"}), "modules.threading",
                     "unknown system")
        self.refused(dict(GOOD, modules={"subprocess": "psutil:"}), "modules.subprocess",
                     "MOD:NAME,NAME")
        self.refused(dict(GOOD, modules={"multiprocessing": "a:b"}), "modules.multiprocessing",
                     "must name a module")
        self.refused(dict(GOOD, preload="gevent.monkey.patch_all()"), "preload",
                     "MOD or MOD:CALLABLE")
        self.refused(dict(GOOD, debian="python3-gevent"), "debian", "a list of Debian")
        self.refused(dict(GOOD, probe="true"), "probe", "command words")
        self.refused({"id": "d", "label": "D", "python_version": "3.12", "driver": [],},
                     "driver", "non-empty list")
        self.refused({"id": "d", "label": "D", "python_version": "3.12", "driver": ["x"],
                      "preload": "gevent"}, "preload", "only for an \"interpreter\"")

    def test_an_id_given_twice_is_refused(self):
        self.refused(dict(GOOD, id="gevent"), "id", "is also the id of conformance/matrix/"
                     "implementations/gevent.json")

    def test_an_unreadable_file(self):
        path = os.path.join(self.dir.name, "none.json")
        with self.assertRaises(implementations.FormatError) as e:
            implementations.load([path])
        self.assertIn(path + ": cannot be read", str(e.exception))


if __name__ == "__main__":
    unittest.main()
