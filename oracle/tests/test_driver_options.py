"""driver.py's options for implementations other than CPython's own modules:
--preload (run before the driver imports anything), --module (any module
with multiprocessing's API), --os-module and --subprocess-module (the modules
a case's "call" steps reach), and the identity that names them. Scratch
modules on PYTHONPATH stand in for gevent, eventlet and psutil."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from support import DRIVER, case, op, raised, run_driver, run_driver_raw, value, write_json

FAKES = {
    # A preload that records what the driver had imported before it ran.
    "fakepre.py": """
        import sys
        __version__ = "1.2"
        BEFORE = None
        def patch():
            global BEFORE
            BEFORE = sorted(m for m in ("multiprocessing", "subprocess", "casefile")
                            if m in sys.modules)
        def getoutput(cmd):
            return "preloaded with %s imported" % (BEFORE,)
        def broken():
            raise RuntimeError("cannot patch")
    """,
    # A subprocess module of its own: getoutput only.
    "fakesub.py": """
        __version__ = "0.9"
        def getoutput(cmd):
            return "fake getoutput: " + cmd
        def Popen(*args, **kwargs):
            raise OSError("fake Popen")
    """,
    # check_output raising a CalledProcessError of its own, which
    # `except subprocess.CalledProcessError` misses, though it has the name
    # and subclasses subprocess.SubprocessError (issue 18's false PASS).
    "fakeowncpe.py": """
        import subprocess
        class CalledProcessError(subprocess.SubprocessError):
            pass
        def check_output(*args, **kwargs):
            raise CalledProcessError("exit status 1")
    """,
    # The same class exported as the module's own CalledProcessError, but
    # not derived from SubprocessError: `except SubprocessError` misses it.
    "fakeexportedcpe.py": """
        class CalledProcessError(Exception):
            pass
        def check_output(*args, **kwargs):
            raise CalledProcessError("exit status 1")
    """,
    # An os module of its own: getcwd and fork (which counts).
    "fakeos.py": """
        import os
        FORKS = []
        def getcwd():
            return "fake-cwd"
        def fork():
            FORKS.append(1)
            os.environ["FAKEOS_FORKS"] = str(len(FORKS))
            return os.fork()
    """,
}


def call(function, *args, **kw):
    return op("call", function=function, args=list(args), **kw)


class DriverOptionsTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        for name, text in FAKES.items():
            with open(os.path.join(tmp.name, name), "w") as f:
                f.write(textwrap.dedent(text))
        old = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = tmp.name + (os.pathsep + old if old else "")
        self.addCleanup(lambda: os.environ.__setitem__("PYTHONPATH", old) if old
                        else os.environ.pop("PYTHONPATH", None))

    def test_the_preload_runs_before_the_driver_imports_anything(self):
        doc = run_driver(case([call("subprocess.getoutput", "x")]),
                         options=["--preload", "fakepre:patch",
                                  "--subprocess-module", "fakepre:getoutput"])
        # subprocess is imported by Python's own start-up on no version here;
        # multiprocessing and the driver's modules come after the preload.
        self.assertEqual(doc["streams"]["main"], [value("preloaded with [] imported")])
        self.assertEqual(doc["implementation"]["patched_by"], "fakepre:patch")
        self.assertEqual(doc["implementation"]["package_versions"], {"fakepre": "1.2"})

    def test_a_preload_that_only_imports(self):
        doc = run_driver(case([]), options=["--preload=fakesub"])
        self.assertEqual(doc["implementation"]["patched_by"], "fakesub")

    def test_a_preload_that_fails_is_a_usage_error(self):
        for spec, why in (("fakepre:broken", "RuntimeError: cannot patch"),
                          ("fakepre:nothing", "AttributeError"),
                          ("nosuchmodule", "No module named 'nosuchmodule'")):
            status, out, err = run_driver_raw(case([]), options=["--preload", spec])
            self.assertEqual((status, out), (2, ""), spec)
            self.assertIn("driver.py: --preload %s: " % spec, err)
            self.assertIn(why, err)

    def test_a_whole_subprocess_module_with_the_standard_one_under_it(self):
        doc = run_driver(case([call("subprocess.getoutput", "ls"),
                               call("subprocess.call", ["true"]),
                               {"op": "hasattr", "name": "subprocess.PIPE"},
                               call("subprocess.Popen", ["true"])]),
                         options=["--subprocess-module", "fakesub"])
        self.assertEqual(doc["streams"]["main"], [
            value("fake getoutput: ls"), value(0), value(True),
            raised("OSError", "fake Popen")])
        self.assertEqual(doc["implementation"]["subprocess_module"], "fakesub")
        self.assertEqual(doc["implementation"]["package_versions"], {"fakesub": "0.9"})

    def test_named_names_only_come_from_the_module(self):
        doc = run_driver(case([call("subprocess.getoutput", "echo hi"),
                               call("subprocess.Popen", ["true"], bind="p"),
                               op("method", var="p", method="wait")]),
                         options=["--subprocess-module", "fakesub:Popen"])
        self.assertEqual(doc["streams"]["main"][0], value("hi"))
        self.assertEqual(doc["streams"]["main"][1],
                         raised("OSError", "fake Popen"))

    def test_an_exception_is_named_as_user_code_catches_it(self):
        check_output = call("subprocess.check_output", ["false"])
        standard = run_driver(case([check_output]))["streams"]["main"][0]["raised"]
        self.assertEqual((standard["class"], standard["bases"]),
                         ("subprocess.CalledProcessError",
                          ["subprocess.SubprocessError", "Exception", "BaseException"]))
        # The module under test holds another class: it is named by its
        # module, and only the bases user code can name are listed.
        own = run_driver(case([check_output]), options=["--subprocess-module",
                                                        "fakeowncpe:check_output"])
        self.assertEqual(own["streams"]["main"], [raised(
            "CalledProcessError", "exit status 1", "fakeowncpe.CalledProcessError",
            ["subprocess.SubprocessError", "Exception", "BaseException"])])
        # The module under test's own CalledProcessError is the one user code
        # names subprocess.CalledProcessError, with the bases it has.
        exported = run_driver(case([check_output]), options=["--subprocess-module",
                                                             "fakeexportedcpe"])
        self.assertEqual(exported["streams"]["main"], [raised(
            "CalledProcessError", "exit status 1", "subprocess.CalledProcessError",
            ["Exception", "BaseException"])])

    def test_the_os_module_serves_calls_and_the_fork_step(self):
        doc = run_driver(case([call("os.getcwd"),
                               op("fork", proc="c", child=[]),
                               call("os.waitpid", {"var": "c"}, 0,
                                    observe=[{"index": 1}]),
                               call("os.getuid", observe=[{"type": True}]),
                               call("subprocess.getoutput", "echo $FAKEOS_FORKS")]),
                         options=["--os-module", "fakeos"])
        self.assertEqual(doc["streams"]["main"][0], value("fake-cwd"))
        # The fork step forked through fakeos; os.waitpid and os.getuid,
        # which fakeos lacks, are os's.
        self.assertEqual(doc["streams"]["main"][2:], [value([0]), value(["int"]), value("1")])
        self.assertEqual(doc["implementation"]["os_module"], "fakeos")
        self.assertEqual(doc["implementation"]["package_versions"], {"fakeos": "unknown"})

    def test_a_module_spec_that_cannot_be_used_is_a_usage_error(self):
        for options, message in (
                (["--subprocess-module", "fakesub:nothing"], "fakesub has no nothing"),
                (["--subprocess-module", "fakesub:"], "no name after the colon"),
                (["--os-module", "nosuchmodule"], "cannot import nosuchmodule"),
                (["--module", "fakesub"],
                 "fakesub is not a multiprocessing-compatible module: it has no Process")):
            status, out, err = run_driver_raw(case([]), options=options)
            self.assertEqual((status, out), (2, ""), options)
            self.assertIn(message, err)

    def test_the_default_identity_names_nothing_more(self):
        doc = run_driver(case([]), options=["--module", "multiprocessing",
                                            "--start-method=fork"])
        self.assertEqual(sorted(doc["implementation"]),
                         ["module", "name", "start_method", "version"]
                         + (["implementation_version"]
                            if doc["implementation"]["name"] != "CPython" else []))

    def test_an_abbreviated_option_still_works_through_argparse(self):
        doc = run_driver(case([]), options=["--start", "fork"])
        self.assertEqual(doc["implementation"]["start_method"], "fork")


class BytecodeTest(unittest.TestCase):
    """The driver's own modules keep their bytecode in the user's cache,
    never in the source tree nor in a case's scratch directory; standard
    modules keep theirs where they are."""

    def run_with(self, env):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_json(tmp, "case.json", case([]))
            scratch = os.path.join(tmp, "scratch")
            os.mkdir(scratch)
            env = dict({k: v for k, v in os.environ.items()
                        if k not in ("XDG_CACHE_HOME", "HOME")},
                       PYTHONDONTWRITEBYTECODE="1", PYPROC_CASE_TMP=scratch,
                       **{k: v.replace("{scratch}", scratch) for k, v in env.items()})
            done = subprocess.run([sys.executable, DRIVER, path], cwd=scratch, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            json.loads(done.stdout)
            # The main process's capture files belong there (§4.10).
            return sorted(set(os.listdir(scratch)) - {"main-stdout", "main-stderr"})

    @staticmethod
    def cached(cache):
        names = []
        for _, _, files in os.walk(os.path.join(cache, "pyproc", "pycache")):
            names += [f.split(".")[0] for f in files]
        return sorted(set(names))

    def test_the_own_modules_only_in_the_users_cache(self):
        if not hasattr(sys, "pycache_prefix"):
            self.skipTest("no sys.pycache_prefix before Python 3.8")
        with tempfile.TemporaryDirectory() as cache:
            self.assertEqual(self.run_with({"XDG_CACHE_HOME": cache}), [])
            self.assertEqual(self.cached(cache),
                             ["casefile", "channel", "driver", "programs", "values"])

    def test_not_in_a_scratch_home(self):
        # HOME is the case's scratch directory under a harness: nothing goes
        # there (it is removed after the case), the cache is elsewhere.
        self.assertEqual(self.run_with({"HOME": "{scratch}"}), [])


if __name__ == "__main__":
    unittest.main()
