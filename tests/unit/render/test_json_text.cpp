#include <cmath>
#include <limits>
#include <string>

#include <doctest/doctest.h>

#include "promkit/render/json_text.hpp"

#include <nlohmann/json.hpp>

namespace {

std::string json_string(std::string_view s) {
  std::string out;
  promkit::append_json_string(out, s);
  return out;
}

std::string json_number(std::optional<double> v) {
  std::string out;
  promkit::append_json_number(out, v);
  return out;
}

}  // namespace

TEST_SUITE("json_text") {
  TEST_CASE("json strings escape quotes backslashes and control characters") {
    CHECK(json_string("a\"b\\c") == R"("a\"b\\c")");
    CHECK(json_string("line\nnext\ttab\r") == R"("line\nnext\ttab\r")");
    CHECK(json_string(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\x7f\"");
    CHECK(json_string("\x1b]0;pwned\x07") == R"("\u001b]0;pwned\u0007")");
  }

  TEST_CASE("json strings keep valid utf-8 and replace every invalid byte") {
    CHECK(json_string("Dr. M\xc3\xbcller") == "\"Dr. M\xc3\xbcller\"");
    CHECK(json_string("\xe2\x82\xac \xf0\x9f\x98\x80") == "\"\xe2\x82\xac \xf0\x9f\x98\x80\"");
    const std::string fffd = "\xef\xbf\xbd";
    CHECK(json_string("M\xfcller") == "\"M" + fffd + "ller\"");              // Latin-1
    CHECK(json_string("\xc0\x80") == "\"" + fffd + fffd + "\"");             // overlong
    CHECK(json_string("\xed\xa0\x80") == "\"" + fffd + fffd + fffd + "\"");  // surrogate
    CHECK(json_string("\xe2\x82") == "\"" + fffd + fffd + "\"");             // cut short
    CHECK(json_string("\xf4\x90\x80\x80").find(fffd) != std::string::npos);  // above U+10FFFF
    // Whatever the bytes, the result parses as JSON.
    std::string all;
    for (int c = 0; c < 256; ++c) {
      all.push_back(static_cast<char>(c));
    }
    CHECK(nlohmann::json::parse(json_string(all)).is_string());
  }

  TEST_CASE("json numbers are integers when whole and null when there is none") {
    CHECK(json_number(12.0) == "12");
    CHECK(json_number(-3.0) == "-3");
    CHECK(json_number(12.5) == "12.5");
    CHECK(json_number(41.1) == "41.1");
    CHECK(json_number(0.1 + 0.2) == "0.30000000000000004");
    CHECK(json_number(std::nullopt) == "null");
    CHECK(json_number(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(json_number(std::numeric_limits<double>::infinity()) == "null");
    CHECK(nlohmann::json::parse(json_number(1e20)).get<double>() == 1e20);
  }

  TEST_CASE("the score record is one json object with every member") {
    promkit::ScoreRecord r;
    r.instrument = "x";
    r.version = "1.0.0";
    r.status = "prorated";
    r.answered = 8;
    r.scales = {{"total", 13.5, 12.0, "prorated", "moderate"},
                {"sub", std::nullopt, std::nullopt, "incomplete", ""}};
    r.flags = {"risk"};
    r.unchecked_flags = {"other"};
    r.missing = {{"x_3", "refused"}};
    const std::string text = promkit::score_record_json(r);
    CHECK(text ==
          R"({"instrument":"x","version":"1.0.0","status":"prorated","answered":8,)"
          R"("scales":{"total":{"value":13.5,"raw":12,"status":"prorated","band":"moderate"},)"
          R"("sub":{"value":null,"raw":null,"status":"incomplete","band":null}},)"
          R"("flags":["risk"],"unchecked_flags":["other"],"missing":{"x_3":"refused"}})");
    const auto j = nlohmann::json::parse(text);
    CHECK(j["scales"]["total"]["value"].get<double>() == 13.5);
  }
}
