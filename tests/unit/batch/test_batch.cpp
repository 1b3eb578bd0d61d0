#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "promkit/batch/batch.hpp"
#include "promkit/core/answers.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/core/scoring.hpp"
#include "promkit/definition/column_map.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/util/error.hpp"

#include "support/inputs.hpp"
#include <nlohmann/json.hpp>
#include <unistd.h>

// Show both sides of a failed comparison of output lines.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string s = "\n";
    for (const auto& line : v) {
      s += "  [" + line + "]\n";
    }
    return String(s.c_str());
  }
};
}  // namespace doctest

namespace {

using promkit::BatchFormat;
using promkit::BatchOptions;
using promkit::BatchSummary;
using promkit::MissingReason;

using promkit_test::PipeInput;
using promkit_test::TempInput;

// A temporary file name for a --map file, removed at the end of the test.
class TempPath {
 public:
  explicit TempPath(std::string_view content) {
    char name[] = "/tmp/promkit_test_map_XXXXXX";
    const int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << content;
  }
  TempPath(const TempPath&) = delete;
  TempPath& operator=(const TempPath&) = delete;
  ~TempPath() { std::remove(path_.c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::shared_ptr<const promkit::Instrument> instrument(const std::string& id) {
  static std::map<std::string, std::shared_ptr<const promkit::Instrument>> cache;
  auto it = cache.find(id);
  if (it == cache.end()) {
    auto loaded = promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/" +
                                                id + ".toml");
    it =
        cache.emplace(id, std::make_shared<const promkit::Instrument>(std::move(loaded.instrument)))
            .first;
  }
  return it->second;
}

BatchOptions options(std::initializer_list<const char*> ids) {
  BatchOptions opt;
  for (const char* id : ids) {
    opt.instruments.push_back(instrument(id));
  }
  opt.threads = 1;
  opt.input_name = "test.csv";
  return opt;
}

struct Result {
  std::string out;
  std::string errors;
  std::string alerts;
  BatchSummary summary;
};

Result run_fd(int fd, const BatchOptions& opt) {
  std::ostringstream out;
  std::ostringstream errors;
  std::ostringstream alerts;
  Result r;
  r.summary = promkit::run_batch(fd, opt, out, &errors, &alerts);
  r.out = out.str();
  r.errors = errors.str();
  r.alerts = alerts.str();
  return r;
}

Result run(std::string_view csv, const BatchOptions& opt) {
  TempInput in(csv);
  return run_fd(in.fd(), opt);
}

std::vector<std::string> lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// `text` cut at every `sep` (no quoting).
std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out(1);
  for (const char c : text) {
    if (c == sep) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// rows read == complete + prorated + incomplete + invalid + skipped, for every instrument.
void check_reconciles(const BatchSummary& s) {
  for (const auto& c : s.instruments) {
    CAPTURE(c.id);
    CHECK(s.rows == c.complete + c.prorated + c.incomplete + c.invalid + c.skipped);
  }
}

const std::string kPhqHeader =
    "client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n";
const std::string kPhqOutHeader =
    "client_id,phq9_total,phq9_total_band,phq9_status,phq9_answered,phq9_flags";

const std::string kThreeHeader =
    "client_id,visit_date,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,"
    "gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7,auditc_1,auditc_2,auditc_3,sex\n";
const std::string kThreeOutHeader =
    "client_id,visit_date,phq9_total,phq9_total_band,phq9_status,phq9_answered,phq9_flags,"
    "gad7_total,gad7_total_band,gad7_status,gad7_answered,gad7_flags,"
    "auditc_total,auditc_total_band,auditc_status,auditc_answered,auditc_flags";

const std::string kErrorsHeader = "line,column,value,instrument,reason";
const std::string kAlertsHeader = "line,id,date,instrument,flag,level,message";
const std::string kItem9Message =
    "\"Item 9 endorsed (thoughts of being better off dead or of self-harm). Whatever the total "
    "score, the person needs a same-day suicide-risk assessment by a clinician competent to "
    "assess this risk, followed by a structured risk assessment.\"";

// One row per status: complete, prorated (1 missing), incomplete (3 missing), invalid (7 on a
// 0-3 item) and skipped (nothing answered).
const std::string kEveryStatus = kPhqHeader +
                                 "A,1,1,1,1,1,1,1,1,0\n"
                                 "B,1,,1,1,1,1,1,1,0\n"
                                 "C,,,,1,1,1,1,1,0\n"
                                 "D,1,1,7,1,1,1,1,1,0\n"
                                 "E,,,,,,,,,\n";

// A deterministic export of `rows` rows for PHQ-9, GAD-7 and AUDIT-C, with quoted notes (some
// with line feeds), blank cells, labels, a few invalid values, ragged and broken rows, blank
// lines and endorsed item 9s.
std::string big_export(int rows) {
  std::string s =
      "client_id,visit_date,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,"
      "gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7,auditc_1,auditc_2,auditc_3,sex,notes\n";
  std::uint32_t x = 12345;
  auto next = [&x](std::uint32_t n) {
    x = x * 1103515245U + 12345U;
    return (x >> 16) % n;
  };
  static constexpr const char* kLabels[] = {"Not at all", "Several days", "More than half the days",
                                            "Nearly every day"};
  for (int r = 0; r < rows; ++r) {
    s += "C" + std::to_string(r / 4) + ",2024-01-" + std::to_string(1 + r % 28);
    for (int i = 0; i < 16; ++i) {
      s += ',';
      const auto v = next(100);
      if (v < 3) {
        continue;  // blank
      }
      const auto code = next(4);
      if (v < 8) {
        s += kLabels[code];
      } else if (v == 8 && next(50) == 0) {
        s += "7";  // invalid
      } else if (i == 8 && next(10) != 0) {
        s += '0';  // item 9 mostly not endorsed
      } else {
        s += std::to_string(code);
      }
    }
    for (int i = 0; i < 3; ++i) {
      s += ',' + std::to_string(next(5));
    }
    s += next(2) == 0 ? ",female" : ",male";
    switch (next(20)) {
      case 0:
        s += ",\"said \"\"fine\"\", then\nleft early\"";
        break;
      case 1:
        s += ",=HYPERLINK(\"\"x\"\")";  // a stray quote: a malformed record
        break;
      case 2:
        s += ",=1+1";
        break;
      default:
        s += ',';
    }
    if (next(500) == 0) {
      s += ",extra";  // ragged
    }
    s += '\n';
    if (next(300) == 0) {
      s += '\n';  // a blank line
    }
  }
  return s;
}

}  // namespace

TEST_SUITE("batch") {
  TEST_CASE("batch writes the kept columns and then every instrument's columns") {
    auto opt = options({"phq9", "gad7", "auditc"});
    const Result r = run(kThreeHeader, opt);
    CHECK(r.out == kThreeOutHeader + "\n");
    CHECK(r.summary.rows == 0);
    CHECK(r.errors == kErrorsHeader + "\n");
    CHECK(r.alerts == kAlertsHeader + "\n");
  }

  TEST_CASE("batch gives every status with its score band and answered count") {
    const Result r = run(kEveryStatus, options({"phq9"}));
    CHECK(lines(r.out) == std::vector<std::string>{
                              kPhqOutHeader,
                              "A,8,mild,complete,9,",
                              "B,8,mild,prorated,8,",  // 7 x 9/8 = 7.875, rounded half up
                              "C,,,incomplete,6,",
                              "D,,,invalid,8,",
                              "E,,,skipped,0,",
                          });
    REQUIRE(r.summary.instruments.size() == 1);
    const auto& c = r.summary.instruments[0];
    CHECK(c.id == "phq9");
    CHECK(c.complete == 1);
    CHECK(c.prorated == 1);
    CHECK(c.incomplete == 1);
    CHECK(c.invalid == 1);
    CHECK(c.skipped == 1);
    CHECK(r.summary.rows == 5);
    CHECK(r.summary.invalid_rows == 1);
    CHECK(r.summary.malformed_rows == 0);
    check_reconciles(r.summary);
  }

  TEST_CASE("batch tells which unneeded items have no column") {
    const Result r = run(kEveryStatus, options({"phq9"}));
    REQUIRE(r.summary.notes.size() == 1);
    CHECK(r.summary.notes[0] == "phq9: no column for phq9_10 (not scored; left missing)");
  }

  TEST_CASE("batch reads option labels in any case and spacing and numbers written as 2.0") {
    const Result r = run(kPhqHeader +
                             "L,Several days,several DAYS,  Several   days ,Not at all,"
                             "Nearly every day,More than half the days,not at all,NOT AT ALL,"
                             "Not at all\n"
                             "N,1.0,1.00,1,0.0,3.0,2.0,0,0,0\n"
                             "S, 1 ,+1,1., 0,3,2,0,0,0\n",
                         options({"phq9"}));
    CHECK(lines(r.out) == std::vector<std::string>{kPhqOutHeader, "L,8,mild,complete,9,",
                                                   "N,8,mild,complete,9,", "S,8,mild,complete,9,"});
    CHECK(r.summary.invalid_rows == 0);
  }

  TEST_CASE("batch reads a cell as the same text given to score --answers") {
    // One grammar of numbers (parse_number) for every front door: a cell gives the status and
    // total that `promkit score --answers` gives for the same text, on every path.
    const auto ins = instrument("phq9");
    const std::vector<std::string> texts = {"2",
                                            "2.0",
                                            " 3 ",
                                            "+1",
                                            "1.",
                                            "-0",
                                            "2.00000000000000001",
                                            "0000000000000002",
                                            "00000000000000000000000001",
                                            "2.0000000000000000",
                                            ".5",
                                            "-99",
                                            "1e0",
                                            "0x1",
                                            "inf",
                                            "nan",
                                            "+-1",
                                            "1 2",
                                            "\n2",
                                            "2\n",
                                            "\r\n",
                                            "\n",
                                            "Several days",
                                            "several  DAYS\n"};
    for (const std::string& text : texts) {
      CAPTURE(text);
      std::string quoted = "\"";
      for (const char c : text) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      }
      quoted += "\"";
      const auto list = promkit::parse_answer_list(*ins, "1,1,1,1,1,1,1,1," + quoted);
      const promkit::Score want = promkit::score(*ins, list.answers);
      const std::string status{promkit::to_string(want.status)};
      const double total = want.scales[0].value;
      const std::string total_text = std::isnan(total) ? "" : promkit::format_number(total);
      for (const bool shortcuts : {true, false}) {
        CAPTURE(shortcuts);
        auto opt = options({"phq9"});
        opt.fast_path = shortcuts;
        for (const std::string& cell : {text, quoted}) {
          if (cell == text && text.find_first_of("\r\n\"") != std::string::npos) {
            continue;  // only quoted
          }
          const Result r = run(kPhqHeader + "A,1,1,1,1,1,1,1,1," + cell + "\n", opt);
          const std::vector<std::string> got = lines(r.out);
          REQUIRE(got.size() == 2);
          const std::vector<std::string> cols = split(got[1], ',');
          REQUIRE(cols.size() == 6);
          CHECK(cols[1] == total_text);
          CHECK(cols[3] == status);
        }
      }
    }
  }

  TEST_CASE("batch reports an unknown label and a fractional code as invalid") {
    const Result r = run(kPhqHeader +
                             "U,sometimes,1,1,1,1,1,1,1,0\n"
                             "F,1.5,1,1,1,1,1,1,1,0\n",
                         options({"phq9"}));
    CHECK(lines(r.out) ==
          std::vector<std::string>{kPhqOutHeader, "U,,,invalid,8,", "F,,,invalid,8,"});
    const auto e = lines(r.errors);
    REQUIRE(e.size() == 3);
    CHECK(e[1].rfind("2,phq9_1,sometimes,phq9,", 0) == 0);
    CHECK(e[1].find(",\"not an answer to phq9_1 (expected") != std::string::npos);
    CHECK(e[2].rfind("3,phq9_1,1.5,phq9,", 0) == 0);
  }

  TEST_CASE("batch treats missing codes as missing answers whatever their reason") {
    const std::string csv = kPhqHeader +
                            "R,1,1,7,1,1,1,1,1,0\n"       // refused: prorated
                            "K,9,1,1,1,1,1,1,1,-99\n"     // don't know + not asked
                            "T,NA,n/a,na,1,1,1,1,1,0\n"   // three text codes: incomplete
                            "X,-99.0,1,1,1,1,1,1,1,0\n";  // -99.0 is -99
    auto opt = options({"phq9"});
    opt.map.missing = promkit::parse_missing_codes("7=refused,9=dont_know,-99=not_asked,NA,n/a");
    const Result r = run(csv, opt);
    CHECK(lines(r.out) == std::vector<std::string>{
                              kPhqOutHeader,
                              "R,8,mild,prorated,8,",  // 7 x 9/8 = 7.875 -> 8
                              "K,9,mild,prorated,7,",  // 7 x 9/7 = 9
                              "T,,,incomplete,6,",
                              "X,8,mild,prorated,8,",
                          });
    CHECK(r.summary.invalid_rows == 0);
    CHECK(r.errors == kErrorsHeader + "\n");
    // Without the codes, 7, 9 and -99 are not answers.
    const Result plain = run(csv, options({"phq9"}));
    CHECK(plain.summary.instruments[0].invalid == 4);
  }

  TEST_CASE("batch parses missing codes with and without reasons") {
    const auto codes = promkit::parse_missing_codes(" 7=refused, 9=dont_know ,-99=not_asked,NA,");
    REQUIRE(codes.size() == 4);
    CHECK(codes[0] == std::pair<std::string, MissingReason>{"7", MissingReason::Refused});
    CHECK(codes[1] == std::pair<std::string, MissingReason>{"9", MissingReason::DontKnow});
    CHECK(codes[2] == std::pair<std::string, MissingReason>{"-99", MissingReason::NotAsked});
    CHECK(codes[3] == std::pair<std::string, MissingReason>{"NA", MissingReason::Blank});
    CHECK_THROWS_AS((void)promkit::parse_missing_codes("7=nope"), promkit::DataError);
    CHECK_THROWS_AS((void)promkit::parse_missing_codes("=refused"), promkit::DataError);
  }

  TEST_CASE("batch reads items from renamed columns and matches item ids in any case") {
    auto opt = options({"phq9"});
    for (int i = 1; i <= 9; ++i) {
      opt.map.columns.emplace_back("phq9_" + std::to_string(i), "Q" + std::to_string(i));
    }
    const Result r = run("client_id,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9\nA,3,3,3,3,3,0,0,0,0\n", opt);
    CHECK(lines(r.out) ==
          std::vector<std::string>{kPhqOutHeader, "A,15,moderately_severe,complete,9,"});
    const Result upper =
        run("Client_ID,PHQ9_1,Phq9_2,PHQ9_3,PHQ9_4,PHQ9_5,PHQ9_6,PHQ9_7,PHQ9_8,PHQ9_9\n"
            "A,3,3,3,3,3,0,0,0,0\n",
            options({"phq9"}));
    CHECK(lines(upper.out) ==
          std::vector<std::string>{"Client_ID,phq9_total,phq9_total_band,phq9_status,phq9_answered,"
                                   "phq9_flags",
                                   "A,15,moderately_severe,complete,9,"});
  }

  TEST_CASE("batch applies a map file with columns missing codes recodes and context") {
    const TempPath map(R"(# how the clinic's export names things
[columns]
auditc_1 = "drink_freq"
auditc_2 = "drinks_day"
auditc_3 = "binge"

[missing]
"-99" = "not_asked"
"refused" = "refused"

[recode.auditc]
"nev" = 0
"monthly" = "Monthly or less"

[recode.auditc_3]
"sometimes" = 2

[context_columns]
sex = "gender"

[context_values.sex]
M = "male"
F = "female"
)");
    auto opt = options({"auditc"});
    opt.map = promkit::load_column_map_file(map.path());
    CHECK(opt.map.columns.size() == 3);
    CHECK(opt.map.missing.size() == 2);
    CHECK(opt.map.recodes.size() == 3);
    CHECK(opt.map.context_columns.size() == 1);
    CHECK(opt.map.context_values.size() == 2);
    const Result r =
        run("record_id,drink_freq,drinks_day,binge,gender\n"
            "1,monthly,0,sometimes,F\n"  // 1 + 0 + 2 = 3: positive for women
            "2,Monthly,0,1,M\n"          // 1 + 0 + 1 = 2: negative for men
            "3,nev,,,female\n"           // never drinks: items 2-3 skipped, 0
            "4,2,-99,1,m\n"              // item 2 not asked: incomplete (no proration)
            "5,REFUSED,,,F\n",           // nothing answered
            opt);
    CHECK(lines(r.out) == std::vector<std::string>{
                              "record_id,auditc_total,auditc_total_band,auditc_status,"
                              "auditc_answered,auditc_flags",
                              "1,3,positive_female,complete,3,",
                              "2,2,negative_male,complete,3,",
                              "3,0,negative_female,complete,1,",
                              "4,,,incomplete,2,",
                              "5,,,skipped,0,",
                          });
    CHECK(r.summary.invalid_rows == 0);
    CHECK(r.errors == kErrorsHeader + "\n");
  }

  TEST_CASE("batch rejects a map file with an unknown key or missing reason") {
    const TempPath bad("[colums]\nphq9_1 = \"q1\"\n[missing]\n\"7\" = \"nope\"\n");
    CHECK_THROWS_AS((void)promkit::load_column_map_file(bad.path()), promkit::DefinitionError);
    CHECK_THROWS_AS((void)promkit::load_column_map_file("/nonexistent/map.toml"),
                    promkit::DefinitionError);
  }

  TEST_CASE("batch scores phq9 gad7 and auditc side by side in one row") {
    auto opt = options({"phq9", "gad7", "auditc"});
    opt.map.context_columns.emplace_back("sex", "sex");
    const Result r = run(kThreeHeader +
                             "C1,2024-03-01,2,2,2,2,1,1,2,0,0,3,3,3,3,3,0,0,2,1,0,female\n"
                             "C2,2024-03-15,1,0,0,0,0,0,0,0,1,,,,,,,,0,,,male\n"
                             "C3,2024-03-29,0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,,4,4,4,\n",
                         opt);
    CHECK(lines(r.out) == std::vector<std::string>{
                              kThreeOutHeader,
                              "C1,2024-03-01,12,moderate,complete,9,,15,severe,complete,7,,3,"
                              "positive_female,complete,3,",
                              "C2,2024-03-15,2,minimal,complete,9,suicide_risk,,,skipped,0,,0,"
                              "negative_male,complete,1,",
                              // no sex: the AUDIT-C total without a band
                              "C3,2024-03-29,0,minimal,complete,9,,,,incomplete,6,,12,,complete,3,",
                          });
    check_reconciles(r.summary);
    CHECK(r.summary.flags == 1);
  }

  TEST_CASE("batch writes one errors report line per problem with line column and value") {
    auto opt = options({"phq9", "auditc"});
    opt.map.context_columns.emplace_back("sex", "sex");
    const Result r =
        run("client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,auditc_1,"
            "auditc_2,auditc_3,sex,note\n"
            "A,1,1,1,1,1,1,1,1,0,1,1,1,female,\n"
            "B,1,1,7,1,1,1,1,1,0,1,1,5,female,\"two\nlines\"\n"  // lines 3-4
            "C,1,1\n"                                            // ragged
            "D,1,1,1,1,1,1,1,1,0,1,1,1,female,ab\"c\"\n"         // quote in unquoted field
            "E,1,1,1,1,1,1,1,1,0,1,1,1,X,\n",                    // unknown context value
            opt);
    CHECK(lines(r.errors) ==
          std::vector<std::string>{
              kErrorsHeader,
              "3,phq9_3,7,phq9,\"not an answer to phq9_3 (expected one of the codes 0, 1, "
              "2, 3 or a label such as 'Not at all')\"",
              "3,auditc_3,5,auditc,\"not an answer to auditc_3 (expected one of the codes "
              "0, 1, 2, 3, 4 or a label such as 'Never')\"",
              "5,,,,3 fields where the header has 15 (ragged row)",
              "6,,,,a double quote inside an unquoted field (field 15)",
              "7,sex,X,auditc,\"not a value of context 'sex' (expected one of: male, "
              "female); context left unknown\"",
          });
    CHECK(r.summary.errors_reported == 5);
    CHECK(r.summary.invalid_rows == 3);
    CHECK(r.summary.malformed_rows == 2);
    // The row with the unknown context value is still scored, without a band.
    CHECK(lines(r.out).back() == "E,8,mild,complete,9,,3,,complete,3,");
    check_reconciles(r.summary);
  }

  TEST_CASE("batch errors report gives a negative value's reason without an apostrophe") {
    const Result r = run(kPhqHeader + "N,-1,0,0,0,0,0,0,0,0\n", options({"phq9"}));
    const auto e = lines(r.errors);
    REQUIRE(e.size() == 2);
    CHECK(e[1].rfind("2,phq9_1,-1,phq9,", 0) == 0);
    CHECK(e[1].find(",phq9,\"not an answer to phq9_1 (expected") != std::string::npos);
  }

  TEST_CASE("batch writes one alerts line per critical flag raised") {
    auto opt = options({"phq9"});
    const Result r =
        run("client_id,visit_date,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9\n"
            "A,2024-01-02,0,0,0,0,0,0,0,0,0\n"
            "B,2024-01-03,1,1,1,1,1,1,1,1,Several days\n"
            "C,2024-01-04,1,1,1,1,1,1,1,1,\n"    // item 9 missing: no flag
            "D,2024-01-05,3,3,7,3,3,3,3,3,3\n",  // invalid, but the flag is still raised
            opt);
    CHECK(lines(r.alerts) == std::vector<std::string>{
                                 kAlertsHeader,
                                 "3,B,2024-01-03,phq9,suicide_risk,urgent," + kItem9Message,
                                 "5,D,2024-01-05,phq9,suicide_risk,urgent," + kItem9Message,
                             });
    CHECK(r.summary.flags == 2);
    CHECK(r.summary.instruments[0].flags == 2);
    CHECK(lines(r.out)[2] == "B,2024-01-03,9,mild,complete,9,suicide_risk");
    CHECK(lines(r.out)[4] == "D,2024-01-05,,,invalid,8,suicide_risk");
  }

  TEST_CASE("batch neutralises formulas in kept columns unless sanitising is off") {
    const std::string csv = kPhqHeader.substr(0, kPhqHeader.size() - 1) + ",note\n" +
                            "=cmd(),0,0,0,0,0,0,0,0,0,@SUM(A1)\n"
                            "-3,0,0,0,0,0,0,0,0,0,-1.5\n"
                            "+1 555,0,0,0,0,0,0,0,0,0,\"=HYPERLINK(\"\"x\"\",\"\"y\"\")\"\n";
    auto opt = options({"phq9"});
    opt.keep = {"client_id", "note"};
    const Result on = run(csv, opt);
    CHECK(lines(on.out) ==
          std::vector<std::string>{
              "client_id,note,phq9_total,phq9_total_band,phq9_status,phq9_answered,phq9_flags",
              "'=cmd(),'@SUM(A1),0,minimal,complete,9,",
              "-3,-1.5,0,minimal,complete,9,",
              "'+1 555,\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",0,minimal,complete,9,",
          });
    opt.sanitize = false;
    const Result off = run(csv, opt);
    CHECK(lines(off.out)[1] == "=cmd(),@SUM(A1),0,minimal,complete,9,");
    CHECK(lines(off.out)[3] == "+1 555,\"=HYPERLINK(\"\"x\"\",\"\"y\"\")\",0,minimal,complete,9,");
  }

  TEST_CASE(
      "batch keeps redcap event and repeat columns and ignores complete and checkbox "
      "columns") {
    const std::string csv =
        "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,phq9_1,"
        "phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,phq9_10,phq9_complete,"
        "phq9_9___1,phq9_9___2,gad7_1___1\n"
        "101,intake_arm_1,,,1,1,1,1,1,1,1,1,0,1,2,1,0,1\n"
        "101,followup_arm_1,phq9,2,0,0,0,0,0,0,0,0,0,,0,0,1,0\n";
    const Result r = run(csv, options({"phq9"}));
    CHECK(lines(r.out) ==
          std::vector<std::string>{
              "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
              "phq9_total,phq9_total_band,phq9_status,phq9_answered,phq9_flags",
              "101,intake_arm_1,,,8,mild,complete,10,",
              "101,followup_arm_1,phq9,2,0,minimal,complete,9,",
          });
    CHECK(r.summary.notes.empty());
    CHECK(r.summary.invalid_rows == 0);
    // A checkbox column is not an item: an export with only checkbox columns lacks the items.
    CHECK_THROWS_WITH_AS((void)run("record_id,gad7_1___1,gad7_2___1\n1,1,0\n", options({"gad7"})),
                         doctest::Contains("gad7 needs columns gad7_1, gad7_2"),
                         promkit::DataError);
  }

  TEST_CASE("batch stops before writing anything when a required column is missing") {
    std::ostringstream out;
    std::ostringstream errors;
    TempInput in("client_id,phq9_1,phq9_2\n1,1,1\n");
    CHECK_THROWS_WITH_AS(
        (void)promkit::run_batch(in.fd(), options({"phq9"}), out, &errors, nullptr),
        "test.csv: phq9 needs columns phq9_3, phq9_4, phq9_5, phq9_6, phq9_7, "
        "phq9_8, phq9_9 which the header does not have (map other names with "
        "--rename ITEM=COLUMN or --map FILE)",
        promkit::DataError);
    CHECK(out.str().empty());
    CHECK(errors.str().empty());
    auto renamed = options({"phq9"});
    renamed.map.columns.emplace_back("phq9_9", "item9");
    CHECK_THROWS_WITH_AS((void)run(kEveryStatus, renamed), doctest::Contains("item9 (for phq9_9)"),
                         promkit::DataError);
  }

  TEST_CASE("batch stops on an unusable header or a missing option column") {
    CHECK_THROWS_WITH_AS((void)run("", options({"phq9"})),
                         "test.csv: the input is empty (a header row is required)",
                         promkit::DataError);
    CHECK_THROWS_WITH_AS((void)run("\n\n", options({"phq9"})),
                         "test.csv: the input has no header row", promkit::DataError);
    CHECK_THROWS_WITH_AS((void)run("\"client_id,phq9_1\n", options({"phq9"})),
                         doctest::Contains("the header row is malformed"), promkit::DataError);
    auto keep = options({"phq9"});
    keep.keep = {"nope"};
    CHECK_THROWS_WITH_AS((void)run(kEveryStatus, keep),
                         "test.csv: no column 'nope' in the header (--keep)", promkit::DataError);
    auto id = options({"phq9"});
    id.id_column = "mrn";
    CHECK_THROWS_AS((void)run(kEveryStatus, id), promkit::DataError);
    auto ctx = options({"auditc"});
    ctx.map.context_columns.emplace_back("sex", "gender");
    CHECK_THROWS_WITH_AS((void)run("auditc_1,auditc_2,auditc_3\n1,1,1\n", ctx),
                         doctest::Contains("no column 'gender'"), promkit::DataError);
    auto fixed = options({"auditc"});
    fixed.context.emplace_back("sex", "other");
    CHECK_THROWS_AS((void)run("auditc_1,auditc_2,auditc_3\n1,1,1\n", fixed), promkit::DataError);
  }

  TEST_CASE("batch applies a fixed context to every row") {
    auto opt = options({"auditc"});
    opt.context.emplace_back("sex", "Female");
    const Result r = run("auditc_1,auditc_2,auditc_3\n1,1,1\n0,,\n", opt);
    CHECK(lines(r.out) == std::vector<std::string>{"auditc_total,auditc_total_band,auditc_status,"
                                                   "auditc_answered,auditc_flags",
                                                   "3,positive_female,complete,3,",
                                                   "0,negative_female,complete,1,"});
  }

  TEST_CASE("batch with strict stops at the first invalid row") {
    const std::string csv = kPhqHeader +
                            "A,1,1,1,1,1,1,1,1,0\n"
                            "B,1,1,7,1,1,1,1,1,0\n"
                            "C,1,1,1,1,1,1,1,1,0\n";
    for (unsigned threads : {1U, 3U}) {
      CAPTURE(threads);
      auto opt = options({"phq9"});
      opt.strict = true;
      opt.threads = threads;
      const Result r = run(csv, opt);
      CHECK(r.summary.stopped);
      CHECK(r.summary.stop_reason ==
            "line 3: column phq9_3: value '7' is not an answer to phq9_3 (expected one of the "
            "codes 0, "
            "1, 2, 3 or a label such as 'Not at all')");
      const auto out = lines(r.out);
      CHECK(out.size() <= 3);  // the header, A and at most the invalid row itself
      CHECK(r.out.find("\nC,") == std::string::npos);
      CHECK(r.summary.rows == 2);
    }
    auto opt = options({"phq9"});
    opt.strict = true;
    const Result ok = run(kPhqHeader + "A,1,1,1,1,1,1,1,1,0\n", opt);
    CHECK_FALSE(ok.summary.stopped);
  }

  TEST_CASE("batch with strict does not stop at a row that is not invalid") {
    auto opt = options({"auditc"});
    opt.strict = true;
    opt.map.context_columns.emplace_back("sex", "sex");
    const Result r = run("auditc_1,auditc_2,auditc_3,sex\n1,1,1,F\n1,1,1,female\n", opt);
    CHECK(r.summary.invalid_rows == 0);
    CHECK_FALSE(r.summary.stopped);
    CHECK(r.summary.rows == 2);
  }

  TEST_CASE("batch ndjson output is one valid json object per row") {
    auto opt = options({"phq9", "auditc"});
    opt.format = BatchFormat::Ndjson;
    opt.keep = {"client_id", "note"};
    const Result r =
        run("client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,auditc_1,"
            "auditc_2,auditc_3,note\n"
            "A,1,1,1,1,1,1,1,1,1,1,1,1,\"tab\there \"\"q\"\" \\ \x01\"\n"
            "B,1,1,7,1,1,1,1,1,0,,,,\n"
            "C,1\n",
            opt);
    const auto rows = lines(r.out);
    REQUIRE(rows.size() == 3);
    std::vector<nlohmann::json> docs;
    for (const auto& row : rows) {
      CAPTURE(row);
      REQUIRE_NOTHROW(docs.push_back(nlohmann::json::parse(row)));
    }
    CHECK(docs[0]["line"] == 2);
    CHECK(docs[0]["fields"]["client_id"] == "A");
    CHECK(docs[0]["fields"]["note"] == "tab\there \"q\" \\ \x01");
    CHECK(docs[2]["fields"]["note"] == "");
    CHECK(docs[0]["phq9"]["status"] == "complete");
    CHECK(docs[0]["phq9"]["version"] == "1.0.0");
    CHECK(docs[0]["phq9"]["answered"] == 9);
    CHECK(docs[0]["phq9"]["scales"]["total"]["value"] == 9);
    CHECK(docs[0]["phq9"]["scales"]["total"]["band"] == "mild");
    CHECK(docs[0]["phq9"]["flags"] == nlohmann::json::array({"suicide_risk"}));
    CHECK(docs[0]["auditc"]["scales"]["total"]["value"] == 3);
    CHECK(docs[0]["auditc"]["scales"]["total"]["band"].is_null());  // no sex given
    CHECK(docs[1]["phq9"]["status"] == "invalid");
    CHECK(docs[1]["phq9"]["scales"]["total"]["value"].is_null());
    CHECK(docs[1]["auditc"]["status"] == "skipped");
    CHECK_FALSE(docs[1]["auditc"].contains("scales"));
    CHECK(docs[2]["error"] == "2 fields where the header has 14 (ragged row)");
    CHECK(docs[2]["phq9"]["status"] == "invalid");
    CHECK(docs[2]["auditc"]["status"] == "invalid");
  }

  TEST_CASE("batch json output is one valid array in input order") {
    auto opt = options({"phq9"});
    opt.format = BatchFormat::Json;
    const Result r = run(kEveryStatus, opt);
    nlohmann::json doc;
    REQUIRE_NOTHROW(doc = nlohmann::json::parse(r.out));
    REQUIRE(doc.is_array());
    REQUIRE(doc.size() == 5);
    const char* statuses[] = {"complete", "prorated", "incomplete", "invalid", "skipped"};
    for (std::size_t i = 0; i < 5; ++i) {
      CHECK(doc[i]["line"] == i + 2);
      CHECK(doc[i]["phq9"]["status"] == statuses[i]);
    }
    CHECK(doc[1]["phq9"]["scales"]["total"]["status"] == "prorated");
    const Result empty = run(kPhqHeader, opt);
    CHECK(empty.out == "[]\n");
    CHECK(nlohmann::json::parse(empty.out).empty());
  }

  TEST_CASE("batch reads a semicolon export with a byte order mark and crlf line ends") {
    const std::string csv =
        "\xEF\xBB\xBF\"client_id\";phq9_1;phq9_2;phq9_3;phq9_4;phq9_5;phq9_6;phq9_7;phq9_8;"
        "phq9_9\r\n"
        "A;1;1;1;1;1;1;1;1;0\r\n"
        "\r\n"
        "\"B;x\";Several days;1;1;1;1;1;1;1;0\r\n";
    const Result r = run(csv, options({"phq9"}));
    CHECK(lines(r.out) == std::vector<std::string>{kPhqOutHeader, "A,8,mild,complete,9,",
                                                   "B;x,8,mild,complete,9,"});
    CHECK(r.summary.rows == 2);
    CHECK(r.summary.blank_lines == 1);
    auto tab = options({"phq9"});
    tab.delimiter = '\t';
    std::string tsv = csv;
    std::replace(tsv.begin(), tsv.end(), ';', '\t');
    CHECK(lines(run(tsv, tab).out)[1] == "A,8,mild,complete,9,");
    CHECK(lines(run(tsv, options({"phq9"})).out)[2] == "B\tx,8,mild,complete,9,");
  }

  TEST_CASE("batch marks broken records invalid and still scores the rows around them") {
    const Result r = run(kPhqHeader +
                             "A,1,1,1,1,1,1,1,1,0\n"
                             "\"B\"x,1,1,1,1,1,1,1,1,0\n"
                             "C,1,1,1,1,1,1,1,1,0,extra\n"
                             "D,1,1,1,1,1,1,1,1,0\n"
                             "E,\"1,1,1,1,1,1,1,1,0\n",
                         options({"phq9"}));
    CHECK(lines(r.out) == std::vector<std::string>{kPhqOutHeader, "A,8,mild,complete,9,",
                                                   ",,,invalid,0,", "C,,,invalid,0,",
                                                   "D,8,mild,complete,9,", ",,,invalid,0,"});
    CHECK(r.summary.malformed_rows == 3);
    CHECK(r.summary.invalid_rows == 3);
    const auto e = lines(r.errors);
    REQUIRE(e.size() == 4);
    CHECK(e[1].rfind("3,,,,unexpected character 'x' after a closing quote", 0) == 0);
    CHECK(e[2] == "4,,,,11 fields where the header has 10 (ragged row)");
    CHECK(e[3] == "6,,,,unterminated quoted field (it runs to the end of the input)");
    check_reconciles(r.summary);
  }

  TEST_CASE("batch notes a header that names a column twice and uses the first") {
    const Result r =
        run(kPhqHeader.substr(0, kPhqHeader.size() - 1) + ",PHQ9_1\nA,1,1,1,1,1,1,1,1,0,3\n",
            options({"phq9"}));
    CHECK(lines(r.out)[1] == "A,8,mild,complete,9,");
    REQUIRE_FALSE(r.summary.notes.empty());
    CHECK(r.summary.notes[0].find("more than once") != std::string::npos);
  }

  TEST_CASE("batch output is identical with 1 2 and 4 threads on a large export") {
    const std::string csv = big_export(30000);
    REQUIRE(csv.size() > (std::size_t{1} << 20));
    auto opt = options({"phq9", "gad7", "auditc"});
    opt.map.context_columns.emplace_back("sex", "sex");
    opt.keep_all = true;
    std::vector<Result> results;
    for (unsigned threads : {1U, 2U, 4U}) {
      opt.threads = threads;
      PipeInput pipe(csv, 1 << 14);  // short reads: many chunks
      results.push_back(run_fd(pipe.fd(), opt));
    }
    const Result& one = results[0];
    CHECK(one.summary.rows == 30000);
    CHECK(one.summary.blank_lines > 0);
    CHECK(one.summary.malformed_rows > 0);
    CHECK(one.summary.invalid_rows > one.summary.malformed_rows);
    CHECK(one.summary.flags > 0);
    check_reconciles(one.summary);
    const auto out_lines = std::count(one.out.begin(), one.out.end(), '\n');
    CHECK(static_cast<std::uint64_t>(out_lines) > one.summary.rows);  // + header + notes' lines
    for (std::size_t k = 1; k < results.size(); ++k) {
      CAPTURE(k);
      CHECK(results[k].out == one.out);
      CHECK(results[k].errors == one.errors);
      CHECK(results[k].alerts == one.alerts);
      CHECK(results[k].summary.rows == one.summary.rows);
      CHECK(results[k].summary.invalid_rows == one.summary.invalid_rows);
      CHECK(results[k].summary.flags == one.summary.flags);
      for (std::size_t i = 0; i < one.summary.instruments.size(); ++i) {
        CHECK(results[k].summary.instruments[i].complete == one.summary.instruments[i].complete);
        CHECK(results[k].summary.instruments[i].prorated == one.summary.instruments[i].prorated);
        CHECK(results[k].summary.instruments[i].invalid == one.summary.instruments[i].invalid);
        CHECK(results[k].summary.instruments[i].skipped == one.summary.instruments[i].skipped);
      }
    }
    // The same from a file (bigger chunks) and as ndjson.
    opt.threads = 4;
    CHECK(run(csv, opt).out == one.out);
    opt.format = BatchFormat::Ndjson;
    opt.threads = 1;
    const std::string nd1 = run(csv, opt).out;
    opt.threads = 4;
    CHECK(run(csv, opt).out == nd1);
    CHECK(static_cast<std::uint64_t>(std::count(nd1.begin(), nd1.end(), '\n')) == one.summary.rows);
  }
}

namespace {

// Every bundled instrument's id.
std::vector<std::string> bundled_ids() {
  std::vector<std::string> ids;
  for (const auto& e : std::filesystem::directory_iterator(PROMKIT_SOURCE_DIR "/instruments")) {
    if (e.path().extension() == ".toml") {
      ids.push_back(e.path().stem().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// A deterministic export for one instrument: a column per item, cells drawn from blanks, every
// option's code, labels, codes written "2.0" or with spaces, codes no option has, missing codes
// and text.
std::string export_for(const promkit::Instrument& ins, int rows, std::uint32_t seed) {
  std::string s = "client_id";
  for (const auto& item : ins.items) {
    s += ',' + item.id;
  }
  s += '\n';
  std::uint32_t x = seed;
  auto next = [&x](std::uint32_t n) {
    x = x * 1103515245U + 12345U;
    return (x >> 16) % n;
  };
  for (int r = 0; r < rows; ++r) {
    s += "C" + std::to_string(r);
    const auto style = next(4);  // 0: mostly plain codes ... 3: anything
    for (const auto& item : ins.items) {
      s += ',';
      const auto v = next(100);
      if (v < 6 || (style == 1 && v < 40)) {
        continue;  // blank
      }
      const bool plain = style == 0 ? v < 97 : v < 70;
      if (item.type == promkit::ItemType::Choice && !item.options.empty()) {
        const auto& o = item.options[next(static_cast<std::uint32_t>(item.options.size()))];
        if (plain) {
          s += promkit::format_number(o.code);
        } else {
          switch (next(6)) {
            case 0:
              s += "\"" + o.label + "\"";
              break;
            case 1:
              s += promkit::format_number(o.code) + ".0";
              break;
            case 2:
              s += " " + promkit::format_number(o.code);
              break;
            case 3:
              s += std::to_string(next(10));  // often no option's code
              break;
            case 4:
              s += "9";  // a missing code in one of the runs
              break;
            default:
              s += "x";
          }
        }
      } else {
        s += std::to_string(next(40));  // number items: in and out of range
      }
    }
    s += '\n';
  }
  return s;
}

}  // namespace

TEST_SUITE("batch") {
  TEST_CASE("batch short cuts give the general path's results for every bundled instrument") {
    std::uint64_t fast_total = 0;
    std::set<std::string> tabled;  // instruments that took the table path (CSV output)
    for (const auto& id : bundled_ids()) {
      CAPTURE(id);
      const auto ins = instrument(id);
      const std::string csv = export_for(*ins, 400, 7U + static_cast<std::uint32_t>(id.size()));
      for (const auto format : {BatchFormat::Csv, BatchFormat::Ndjson}) {
        for (const bool missing_code : {false, true}) {
          auto opt = options({});
          opt.instruments.push_back(ins);
          opt.format = format;
          if (missing_code) {
            opt.map.missing.emplace_back("9", MissingReason::Other);
          }
          if (!ins->context.empty()) {
            opt.context.emplace_back(ins->context[0].id, ins->context[0].values[0]);
          }
          // With the missing code, the id column also gets a name nothing keeps: each row then
          // starts with a computed column.
          const std::string input = missing_code ? "row_label" + csv.substr(9) : csv;
          const Result fast = run(input, opt);
          opt.fast_path = false;
          const Result general = run(input, opt);
          CHECK(general.summary.table_scored == 0);
          fast_total += fast.summary.table_scored;
          if (fast.summary.table_scored > 0) {
            CHECK(format == BatchFormat::Csv);
            tabled.insert(id);
          }
          CHECK(fast.out == general.out);
          CHECK(fast.errors == general.errors);
          CHECK(fast.alerts == general.alerts);
          CHECK(fast.summary.invalid_rows == general.summary.invalid_rows);
          CHECK(fast.summary.flags == general.summary.flags);
          REQUIRE(fast.summary.instruments.size() == 1);
          const auto& a = fast.summary.instruments[0];
          const auto& b = general.summary.instruments[0];
          CHECK(a.complete == b.complete);
          CHECK(a.prorated == b.prorated);
          CHECK(a.incomplete == b.incomplete);
          CHECK(a.invalid == b.invalid);
          CHECK(a.skipped == b.skipped);
          CHECK(a.flags == b.flags);
        }
      }
    }
    // Layouts the table path's runs (item columns side by side read in one go) must get right:
    // items first or followed by other columns, CRLF, another delimiter, every column kept,
    // and exports short enough that the runs meet the end of the chunk.
    for (const char* id : {"phq9", "gad7", "k10"}) {
      CAPTURE(id);
      const auto ins = instrument(id);
      const std::string base = export_for(*ins, 300, 11U);
      for (int layout = 0; layout < 6; ++layout) {
        CAPTURE(layout);
        std::string csv;
        auto opt = options({});
        opt.instruments.push_back(ins);
        std::size_t at = 0;
        while (at < base.size()) {
          const std::size_t nl = base.find('\n', at);
          std::string line = base.substr(at, nl - at);
          at = nl + 1;
          const std::size_t comma = line.find(',');
          switch (layout) {
            case 0:  // items first, the id last
              line = line.substr(comma + 1) + "," + line.substr(0, comma);
              break;
            case 1:  // a column after the items
              line += csv.empty() ? ",note" : ",x";
              break;
            case 2:  // CRLF
              line += "\r";
              break;
            case 3:  // semicolons
              std::replace(line.begin(), line.end(), ',', ';');
              break;
            default:
              break;
          }
          csv += line + "\n";
        }
        if (layout == 4) {
          opt.keep_all = true;
        }
        if (layout == 5) {
          csv = csv.substr(0, csv.find('\n', csv.size() / 3) + 1);
          csv.pop_back();  // the last record without its line feed
        }
        const Result fast = run(csv, opt);
        opt.fast_path = false;
        const Result general = run(csv, opt);
        CHECK(fast.summary.table_scored > 0);
        CHECK(fast.out == general.out);
        CHECK(fast.errors == general.errors);
        CHECK(fast.summary.invalid_rows == general.summary.invalid_rows);
      }
    }
    // The comparison means something only if the table path ran: most instruments qualify
    // (CSV output only; 14 of 17 definitions, 800 rows each, a few rows not one-byte cells).
    CHECK(fast_total > 3000);
    // And the table path: sum-scored instruments with one-item flags (PHQ-9, GAD-7 ...), with
    // linear (WHO-5's percentage) and lookup (PROMIS-10's T-scores) scales on top.
    MESSAGE("table path: " << fmt::format("{}", fmt::join(tabled, " ")));
    for (const char* id : {"phq9", "gad7", "pcl5", "who5", "promis10"}) {
      CAPTURE(id);
      CHECK(tabled.count(id) == 1);
    }
    CHECK(tabled.size() >= 12);
  }

  TEST_CASE("batch quotes kept fields of every length that hold a comma quote or cr") {
    // Semicolon-separated, so a comma is data; ids of 1 to 20 bytes with the special byte at
    // the start, middle or end (the kept-field writer reads 8 bytes at a time).
    std::string csv = "client_id;phq9_1;phq9_2;phq9_3;phq9_4;phq9_5;phq9_6;phq9_7;phq9_8;phq9_9\n";
    std::vector<std::string> expected;
    for (std::size_t len = 1; len <= 20; ++len) {
      for (const char special : {',', '\r', 'x'}) {
        for (const std::size_t at : {std::size_t{0}, len / 2, len - 1}) {
          std::string id(len, 'a');
          id[at] = special;
          if (special == '\r' && at == len - 1) {
            continue;  // a CR at the very end of the row's last field is a CRLF; here mid-row
          }
          csv += id + ";0;0;0;0;0;0;0;0;0\n";
          const bool quote = special != 'x';
          const bool guard = id[0] == '\r';  // a leading CR is a formula risk: apostrophe
          expected.push_back((quote ? "\"" + std::string(guard ? "'" : "") + id + "\"" : id) +
                             ",0,minimal,complete,9,");
        }
      }
    }
    auto opt = options({"phq9"});
    opt.keep = {"client_id"};
    std::vector<std::string> got = lines(run(csv, opt).out);
    REQUIRE(!got.empty());
    got.erase(got.begin());
    // An id with a CR inside is written quoted with the CR in it: split on LF only.
    CHECK(got == expected);
  }

  TEST_CASE("batch table path counts an item asked under a condition as score_into does") {
    // PHQ-9 item 10 is asked only if an item is above 0: an answer to it counts as answered
    // when the condition holds or is unknown (a blank item could be above 0), and is ignored
    // when it fails.
    const std::string csv =
        "client_id,phq9_1,phq9_2,phq9_3,phq9_4,phq9_5,phq9_6,phq9_7,phq9_8,phq9_9,phq9_10\n"
        "A,1,0,0,0,0,0,0,0,0,2\n"  // asked: 10 answered
        "B,0,0,0,0,0,0,0,0,0,2\n"  // not asked: its answer ignored, 9 answered
        "C,0,0,0,0,0,0,0,,0,2\n"   // unknown (item 8 blank): asked, 9 answered, prorated
        "D,0,0,0,0,0,0,0,0,0,\n"   // blank: 9 answered
        "E,,,,,,,,,,3\n"           // only item 10, unknown condition: 1 answered
        "F,,,,,,,,,,\n";           // nothing: skipped
    auto opt = options({"phq9"});
    const Result fast = run(csv, opt);
    CHECK(fast.summary.table_scored == 6);
    opt.fast_path = false;
    const Result general = run(csv, opt);
    CHECK(fast.out == general.out);
    const std::vector<std::string> got = lines(fast.out);
    REQUIRE(got.size() == 7);
    CHECK(got[1] == "A,1,minimal,complete,10,");
    CHECK(got[2] == "B,0,minimal,complete,9,");
    CHECK(got[3] == "C,0,minimal,prorated,9,");
    CHECK(got[4] == "D,0,minimal,complete,9,");
    CHECK(got[5] == "E,,,incomplete,1,");
    CHECK(got[6] == "F,,,skipped,0,");
    // The same rows with a column between items 9 and 10 (so not read as one run).
    std::string apart;
    for (const std::string& line : lines(csv)) {
      const std::size_t last = line.rfind(',');
      apart += line.substr(0, last) + (apart.empty() ? ",note" : ",x") + line.substr(last) + "\n";
    }
    opt.fast_path = true;
    const Result split = run(apart, opt);
    CHECK(split.summary.table_scored == 6);
    const std::vector<std::string> got_apart = lines(split.out);
    CHECK(got_apart == got);
  }

  TEST_CASE(
      "batch table path covers rows of one-byte cells and leaves the rest to the general path") {
    auto opt = options({"phq9"});
    const std::string csv = kEveryStatus +
                            "F,1,1,1,1,1,1,1,1,Several days\n"
                            "G,1, 1,1,1,1,1,1,1,0\n"
                            "H,1, ,1,1,1,1,1,1,0\n";
    const Result r = run(csv, opt);
    // A to E are option codes or blanks (D's 7 is no option's code: general); F has a label and
    // G a cell of two bytes; H's one space is a blank cell.
    CHECK(r.summary.rows == 8);
    CHECK(r.summary.table_scored == 5);
    CHECK(lines(r.out).back() == "H,8,mild,prorated,8,");
    opt.fast_path = false;
    const Result general = run(csv, opt);
    CHECK(general.summary.table_scored == 0);
    CHECK(general.out == r.out);
  }
}
