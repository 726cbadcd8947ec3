// doctest's main, plus one rule: a run given a test-case filter (as CTest's discovered tests are)
// that matches no test case fails. CTest splits discovered names at ';', and such a half-name
// matches nothing — without this rule the CTest entry would "pass" having run nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

namespace {

// Function-local so that the listener (constructed by doctest) and main() share it.
unsigned& cases_matched() {
  static unsigned count = 0;
  return count;
}

struct CountMatchedCases : doctest::IReporter {
  explicit CountMatchedCases(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    cases_matched() = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("count_matched_cases", 1, CountMatchedCases);

bool has_test_case_filter(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--test-case=", 12) == 0 || std::strncmp(argv[i], "-tc=", 4) == 0) return true;
  }
  return false;
}

bool is_query(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--list", 6) == 0 || std::strncmp(argv[i], "-l", 2) == 0 ||
        std::strncmp(argv[i], "--count", 7) == 0 || std::strncmp(argv[i], "-c", 2) == 0 ||
        std::strncmp(argv[i], "--help", 6) == 0 || std::strncmp(argv[i], "-h", 2) == 0 ||
        std::strncmp(argv[i], "-v", 2) == 0 || std::strncmp(argv[i], "--version", 9) == 0)
      return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || result != 0) return result;
  if (has_test_case_filter(argc, argv) && !is_query(argc, argv) && cases_matched() == 0) {
    std::fprintf(stderr, "no test case matches the filter (a name CTest split at ';'?)\n");
    return 1;
  }
  return 0;
}
