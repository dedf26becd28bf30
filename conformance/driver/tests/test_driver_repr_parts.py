"""pyproc-driver and a repr step with "contains" (spec/protocol.md §4.1): it
observes whether each part is in the text, on a local process, @current and
@parent (None in the main process), and refuses a malformed "contains".

    PYPROC_DRIVER=build/default/conformance/pyproc-driver \\
        python3 -m unittest discover -s conformance/driver/tests

Standard library only.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_driver_cli import DriverTest, Run  # noqa: E402
from support import case, new, op  # noqa: E402 (test_driver_cli put it on sys.path)


def repr_of(proc, *parts):
    return dict(op("repr", proc), contains=list(parts))


class ReprPartsTest(DriverTest):
    def test_each_part_is_looked_for_in_the_repr(self):
        steps = [new("p", target=[]), repr_of("p", "initial", "started", "name='Process-1'"),
                 op("start", "p"), op("join", "p"), repr_of("p", "exitcode=0", "initial"),
                 repr_of("@current", "MainProcess", "closed"), repr_of("@parent", "None")]
        main = Run(case(steps)).document()["streams"]["main"]
        self.assertEqual(main, [{"value": None}, {"value": [True, False, True]},
                                {"value": None}, {"value": None}, {"value": [True, False]},
                                {"value": [True, False]}, {"value": [True]}])

    def test_a_malformed_contains_is_refused_with_its_path(self):
        for parts in ([], "closed", [""], [1], ["x"] * 17):
            with self.subTest(parts=parts):
                step = dict(op("repr", "@current"), contains=parts)
                self.assertMalformed(Run(case([step])), "steps[0].contains",
                                     "non-empty strings")


if __name__ == "__main__":
    unittest.main()
