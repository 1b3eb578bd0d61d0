#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/util/line_sink.hpp"

namespace {

using Lines = std::vector<std::pair<std::uint64_t, std::string>>;

}  // namespace

TEST_SUITE("line_sink") {
  TEST_CASE("lines arrive whole and numbered however the writes cut them") {
    Lines got;
    promkit::LineSink sink(
        [&](std::string_view line, std::uint64_t no) { got.emplace_back(no, std::string(line)); });
    std::ostream out(&sink);
    out << "{\"a\":1}\n{\"b\"";
    out.write(":2}\n\n", 5);
    out << 'x' << 'y';
    out.put('\n');
    out << "last without a line feed";
    CHECK(got == Lines{{1, "{\"a\":1}"}, {2, "{\"b\":2}"}, {3, ""}, {4, "xy"}});
    sink.finish();
    CHECK(got.back() == std::pair<std::uint64_t, std::string>{5, "last without a line feed"});
    CHECK(out.good());
  }

  TEST_CASE("the first error is kept rethrown by finish and later lines are dropped") {
    Lines got;
    promkit::LineSink sink([&](std::string_view line, std::uint64_t no) {
      if (line == "bad") {
        throw std::runtime_error("line " + std::to_string(no) + " is bad");
      }
      got.emplace_back(no, std::string(line));
    });
    std::ostream out(&sink);
    out << "ok\nbad\nlater\n";
    CHECK(out.good());  // the stream itself did not see the error
    CHECK(got == Lines{{1, "ok"}});
    CHECK_THROWS_WITH_AS(sink.finish(), "line 2 is bad", std::runtime_error);
  }
}
