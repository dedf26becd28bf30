"""Every value a case holds reaches the implementation and comes back exact,
in both drivers (spec/protocol.md §5.3, issue 18's "inexact reading").

An integer beyond 64 bits was read by the C++ driver as a double and printed
rounded (2**70 came back as 1.1805916207174113e+21). Here a scratch case holds
integers at and beyond every width, floats at the edges of a double, and
strings that look like numbers; `value` (in the main process and in a child)
must print each exactly as the case wrote it, and a C++ call given an int
beyond 64 bits must say it cannot pass it (Unexpressible) rather than round.

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest conformance/driver/tests/test_driver_exact.py

Standard library only.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
DRIVER = os.environ.get("PYPROC_DRIVER", "")
ORACLE = os.path.join(ROOT, "oracle", "driver.py")

# Written into the case file as JSON text, so that no Python float stands
# between the text and the driver.
VALUES = [
    "0", "-1", "9223372036854775807", "-9223372036854775808",  # int64's edges
    "9223372036854775808", "18446744073709551615",  # uint64 only
    "18446744073709551616", "-9223372036854775809",  # beyond 64 bits
    "1180591620717411303424", "-1180591620717411303424",  # 2**70
    "1" + "0" * 400,  # beyond a double's range
    "1.5", "-0.0", "1e+300", "5e-324", "1.7976931348623157e+308",
    '"1180591620717411303424"', '[12345678901234567890123456789, [-99999999999999999999]]',
]


def case_text():
    steps = [f'{{"op": "value", "of": {v}}}' for v in VALUES]
    child = [f'{{"op": "value", "of": {v}}}' for v in VALUES]
    steps += ['{"op": "value", "of": {"neg": 1180591620717411303424}}',
              '{"op": "value", "of": {"neg": 9223372036854775808}}',
              '{"op": "value", "of": 1180591620717411303424, "observe": '
              '[{"type": true}, {"repr": true}, {"compare": ["==", 1180591620717411303424]}, '
              '{"compare": [">", 9223372036854775807]}, {"compare": ["<", 1e300]}]}',
              '{"op": "new", "proc": "p", "target": [' + ", ".join(child) + ']}',
              '{"op": "start", "proc": "p"}', '{"op": "join", "proc": "p"}']
    return ('{"id": "9200", "title": "exact values", "clauses": ["MP-001"], "steps": [\n'
            + ",\n".join(steps) + "\n]}\n")


def run(command):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "9200.json")
        with open(path, "w") as f:
            f.write(case_text())
        out = subprocess.run(command + [path], stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=60, cwd=tmp, env=dict(os.environ, PYPROC_CASE_TMP=tmp),
                             check=True).stdout
    # Python's json keeps integers exact and floats as doubles: what the
    # driver printed, read the way the harness reads it (§5.3).
    return json.loads(out)


def exact(observation):
    """An observation's value as text a test can compare exactly: an int and
    a float never look alike (1 vs 1.0), -0.0 keeps its sign."""
    return json.dumps(observation["value"]) if "value" in observation else observation


class ExactValues:
    command = None

    def test_values_come_back_exactly_as_the_case_wrote_them(self):
        doc = run(self.command)
        expected = [json.dumps(json.loads(v)) for v in VALUES]
        main = doc["streams"]["main"]
        self.assertEqual([exact(o) for o in main[:len(VALUES)]], expected)
        self.assertEqual([exact(o) for o in doc["streams"]["p"]], expected)
        self.assertEqual(main[len(VALUES)], {"value": -1180591620717411303424})
        self.assertEqual(main[len(VALUES) + 1], {"value": -9223372036854775808})
        self.assertEqual(main[len(VALUES) + 2],
                         {"value": ["int", "1180591620717411303424", True, True, True]})


@unittest.skipUnless(DRIVER, "set PYPROC_DRIVER to the C++ driver (ctest does)")
class CppDriver(ExactValues, unittest.TestCase):
    command = [DRIVER]

    def test_a_call_given_an_int_beyond_64_bits_says_cpp_cannot_pass_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "9201.json")
            with open(path, "w") as f:
                f.write('{"id": "9201", "title": "t", "clauses": ["MP-001"], "steps": [{"op": '
                        '"call", "function": "os.kill", "args": [1180591620717411303424, 0]}]}')
            doc = json.loads(subprocess.run([DRIVER, path], capture_output=True, timeout=60,
                                            cwd=tmp, check=True).stdout)
        self.assertEqual(doc["streams"]["main"], [{"raised": {
            "type": "Unexpressible",
            "message": "the integer 1180591620717411303424 does not fit C++'s 64-bit integers",
            "class": "Unexpressible", "bases": []}}])


class OracleDriver(ExactValues, unittest.TestCase):
    command = [sys.executable, ORACLE]


if __name__ == "__main__":
    unittest.main()
