"""normalize.py against the shared protocol vectors (the C++ harness uses them too)."""

import json
import unittest

import support
import casefile
import normalize


def load_vectors():
    with open(support.VECTORS, encoding="utf-8") as f:
        return json.load(f)


class VectorTest(unittest.TestCase):
    def test_vectors(self):
        vectors = load_vectors()
        self.assertGreaterEqual(len(vectors), 12)
        for v in vectors:
            with self.subTest(v["name"]):
                self.assertEqual(normalize.normalize(v["raw"], v["case"], v.get("paths")),
                                 v["normalized"])

    def test_vector_cases_are_valid_cases(self):
        for v in load_vectors():
            with self.subTest(v["name"]):
                casefile.check_case(v["case"])
                self.assertEqual(v["raw"]["case"], v["case"]["id"])

    def test_vector_names_are_unique(self):
        names = [v["name"] for v in load_vectors()]
        self.assertEqual(len(names), len(set(names)))


class NormalizeTest(unittest.TestCase):
    def test_unsupported_document_is_refused(self):
        with self.assertRaises(ValueError):
            normalize.normalize({"protocol": 1, "case": "0001",
                                 "unsupported": "no"}, support.case([]))

    def test_literal_bytes_found_in_nested_values(self):
        doc = support.case([{"op": "new", "proc": "p", "target": [
            {"op": "set", "proc": "@current", "attr": "daemon",
             "value": [{"bytes": "0A"}, {"bytes": ""}]}]}])
        self.assertEqual(normalize.literal_bytes(doc), {b"\n", b""})

    def test_normalizing_twice_gives_the_same_numbers(self):
        raw = {"protocol": 1, "case": "0001", "pids": [10, 11],
               "streams": {"main": [{"value": {"pid": 11}}]}}
        first = normalize.normalize(raw, support.case([]))
        self.assertEqual(first, normalize.normalize(raw, support.case([])))


if __name__ == "__main__":
    unittest.main()
