// The C++ normaliser against the vectors the oracle's normaliser is tested
// with too (conformance/protocol-vectors/normalize.json): both must agree, or
// expected files and C++ results would not be comparable.
#include <gtest/gtest.h>

#include "harness/json_exact.hpp"
#include "harness/json_file.hpp"
#include "harness/normalize.hpp"

namespace {

TEST(HarnessNormalize, AgreesWithSharedVectors) {
  const auto file = pyproc::harness::read_json_file(PYPROC_SOURCE_DIR
                                                    "/conformance/protocol-vectors/normalize.json",
                                                    pyproc::harness::kMaxExpectedFileBytes);
  ASSERT_TRUE(file.doc) << file.error;
  ASSERT_FALSE(file.doc->empty());
  for (const auto& vector : *file.doc) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    pyproc::harness::MachinePaths paths;
    if (vector.contains("paths")) {
      const auto& given = vector["paths"];
      paths = {.tmp = given.value("tmp", ""),
               .helper = given.value("helper", ""),
               .helper_dir = given.value("helper_dir", "")};
    }
    const auto normalized = pyproc::harness::normalize(vector.at("raw"), vector.at("case"), paths);
    EXPECT_TRUE(pyproc::harness::exactly_equal(normalized, vector.at("normalized")))
        << pyproc::harness::to_text(normalized);
  }
}

}  // namespace
