// docs/score.schema.json is the one schema of a score: the outputs that carry one are checked
// against it here, with a validator for the part of JSON Schema the file uses ($ref to $defs,
// type, required, properties, additionalProperties, enum, const, pattern, minimum, items,
// anyOf).

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/core/answers.hpp"
#include "promkit/core/score_record.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/registry.hpp"
#include "promkit/import/administration.hpp"
#include "promkit/render/json_text.hpp"
#include "promkit/render/render.hpp"

#include <nlohmann/json.hpp>

using Json = nlohmann::json;

namespace {

const Json& schema() {
  static const Json s = [] {
    std::ifstream in(std::string(PROMKIT_SOURCE_DIR) + "/docs/score.schema.json");
    REQUIRE(in.good());
    return Json::parse(in);
  }();
  return s;
}

bool has_type(const Json& v, const std::string& t) {
  if (t == "object") {
    return v.is_object();
  }
  if (t == "array") {
    return v.is_array();
  }
  if (t == "string") {
    return v.is_string();
  }
  if (t == "integer") {
    return v.is_number_integer() ||
           (v.is_number_float() && v.get<double>() == std::floor(v.get<double>()));
  }
  if (t == "number") {
    return v.is_number();
  }
  if (t == "boolean") {
    return v.is_boolean();
  }
  return t == "null" && v.is_null();
}

// Problems of `v` against schema `s` (at `where`), added to `out`.
void validate(const Json& v, const Json& s, const std::string& where,
              std::vector<std::string>& out) {
  if (s.contains("$ref")) {
    const std::string ref = s["$ref"];
    REQUIRE(ref.rfind("#/$defs/", 0) == 0);
    validate(v, schema()["$defs"][ref.substr(8)], where, out);
  }
  if (s.contains("type")) {
    bool ok = false;
    if (s["type"].is_array()) {
      for (const auto& t : s["type"]) {
        ok = ok || has_type(v, t.get<std::string>());
      }
    } else {
      ok = has_type(v, s["type"].get<std::string>());
    }
    if (!ok) {
      out.push_back(where + ": not of type " + s["type"].dump());
      return;
    }
  }
  if (s.contains("const") && v != s["const"]) {
    out.push_back(where + ": not " + s["const"].dump());
  }
  if (s.contains("enum") && std::find(s["enum"].begin(), s["enum"].end(), v) == s["enum"].end()) {
    out.push_back(where + ": " + v.dump() + " not in " + s["enum"].dump());
  }
  if (s.contains("pattern") && v.is_string() &&
      !std::regex_search(v.get<std::string>(), std::regex(s["pattern"].get<std::string>()))) {
    out.push_back(where + ": " + v.dump() + " does not match " + s["pattern"].dump());
  }
  if (s.contains("minimum") && v.is_number() && v.get<double>() < s["minimum"].get<double>()) {
    out.push_back(where + ": below the minimum");
  }
  if (s.contains("anyOf")) {
    bool any = false;
    for (const auto& alt : s["anyOf"]) {
      std::vector<std::string> sub;
      validate(v, alt, where, sub);
      any = any || sub.empty();
    }
    if (!any) {
      out.push_back(where + ": matches none of anyOf");
    }
  }
  if (v.is_object()) {
    for (const auto& r : s.value("required", Json::array())) {
      if (!v.contains(r.get<std::string>())) {
        out.push_back(where + ": no member " + r.dump());
      }
    }
    const Json props = s.value("properties", Json::object());
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string at = where + "." + it.key();
      if (props.contains(it.key())) {
        validate(it.value(), props[it.key()], at, out);
      } else if (s.contains("additionalProperties")) {
        if (s["additionalProperties"].is_boolean()) {
          if (!s["additionalProperties"].get<bool>()) {
            out.push_back(at + ": not allowed");
          }
        } else {
          validate(it.value(), s["additionalProperties"], at, out);
        }
      }
    }
  }
  if (v.is_array() && s.contains("items")) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      validate(v[i], s["items"], where + "[" + std::to_string(i) + "]", out);
    }
  }
}

std::vector<std::string> problems(const Json& v, const std::string& def) {
  std::vector<std::string> out;
  validate(v, schema()["$defs"][def], "$", out);
  return out;
}

promkit::Registry bundled() {
  return promkit::Registry({{std::string(PROMKIT_SOURCE_DIR) + "/instruments", "bundled"}});
}

}  // namespace

TEST_SUITE("score_schema") {
  TEST_CASE("the schema validator rejects what breaks the schema") {
    Json r = Json::parse(R"({"instrument":"x","version":"1","status":"complete","answered":1,
        "scales":{"total":{"value":1,"raw":1,"status":"complete","band":null}},"flags":[],
        "unchecked_flags":[],"missing":{}})");
    CHECK(problems(r, "record").empty());
    Json bad = r;
    bad.erase("unchecked_flags");
    CHECK_FALSE(problems(bad, "record").empty());
    bad = r;
    bad["scales"]["total"]["status"] = "done";
    CHECK_FALSE(problems(bad, "record").empty());
    bad = r;
    bad["missing"]["x_1"] = "lost";
    CHECK_FALSE(problems(bad, "record").empty());
  }

  TEST_CASE("the detailed score and the record of every bundled instrument follow the schema") {
    auto registry = bundled();
    for (const auto& entry : registry.catalog()) {
      REQUIRE(entry.instrument != nullptr);
      const promkit::Instrument& ins = *entry.instrument;
      // Nothing answered, and every item at its first option: two quite different records.
      for (const bool answer_all : {false, true}) {
        std::vector<promkit::Answer> answers(ins.items.size());
        if (answer_all) {
          for (std::size_t i = 0; i < ins.items.size(); ++i) {
            const auto& item = ins.items[i];
            answers[i] = item.options.empty() ? promkit::Answer::value(item.min)
                                              : promkit::Answer::value(item.options[0].code);
          }
        }
        const promkit::Score sc = promkit::score(ins, answers);
        const promkit::ScoreRecord rec = promkit::make_score_record(ins, sc);
        const Json record = Json::parse(promkit::score_record_json(rec));
        INFO(ins.id, " answered: ", answer_all);
        CHECK(problems(record, "record") == std::vector<std::string>{});
        const Json detail = Json::parse(promkit::score_json(ins, sc, {}));
        CHECK(problems(detail, "record") == std::vector<std::string>{});
        // The detailed view starts with the record, member for member.
        for (auto it = record.begin(); it != record.end(); ++it) {
          if (it.key() == "scales") {
            for (auto s = it->begin(); s != it->end(); ++s) {
              for (auto m = s->begin(); m != s->end(); ++m) {
                CHECK(detail["scales"][s.key()][m.key()] == m.value());
              }
            }
          } else {
            CHECK(detail[it.key()] == it.value());
          }
        }
        promkit::Administration a = promkit::to_administration(
            ins, sc, {"C1", "2024-01-05T10:30", "x.csv"}, promkit::answered_codes(ins, sc));
        CHECK(problems(Json::parse(promkit::administration_json(a)), "stored_administration") ==
              std::vector<std::string>{});
      }
    }
  }
}
