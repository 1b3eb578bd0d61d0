// The batch scorer's record splitter family (the quote-free splitter, the table path's runs,
// and CsvParser for the rest) against CsvParser alone, on the same generated chunks.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/batch/batch.hpp"
#include "promkit/batch/internal/plan.hpp"
#include "promkit/batch/internal/records.hpp"
#include "promkit/batch/internal/table_path.hpp"
#include "promkit/core/instrument.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/definition/instrument_loader.hpp"

namespace {

using promkit::batch_detail::Plan;
using promkit::batch_detail::RecordReader;
using promkit::batch_detail::TablePath;
using promkit::batch_detail::TablePlan;

std::shared_ptr<const promkit::Instrument> bundled(const std::string& id) {
  static std::map<std::string, std::shared_ptr<const promkit::Instrument>> cache;
  auto& slot = cache[id];
  if (!slot) {
    slot = std::make_shared<const promkit::Instrument>(
        promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/" + id +
                                      ".toml")
            .instrument);
  }
  return slot;
}

// A deterministic generator of chunk bodies: records of `ncols` fields (sometimes one or two
// fewer or more), with blank cells, option codes, spaces, text, quoted cells (with the
// delimiter, doubled quotes, line feeds, CRs), stray quotes, CRLF and LF line ends, blank
// lines, lone CRs, and an end without a final line feed.
class Gen {
 public:
  explicit Gen(std::uint32_t seed) : x_(seed) {}
  std::uint32_t next(std::uint32_t n) {
    x_ = x_ * 1103515245U + 12345U;
    return (x_ >> 16) % n;
  }

  std::string cell(char delim) {
    switch (next(24)) {
      case 0:
      case 1:
      case 2:
        return "";
      case 3:
        return " ";
      case 4:
        return "12";
      case 5:
        return "x";
      case 6:
        return std::string("\"a") + delim + "b\"";
      case 7:
        return "\"q\"\"u\"";
      case 8:
        return "\"two\nlines\"";
      case 9:
        return "\"cr\r\"";
      case 10:
        return "a\"b";  // a stray quote: a broken record
      case 11:
        return "\r";
      case 12:
        return "\"1\"";
      case 13:
        return "\"\"";
      case 14:
        return "7";
      default:
        return std::to_string(next(4));
    }
  }

  std::string body(char delim, std::size_t ncols, int records) {
    std::string s;
    for (int r = 0; r < records; ++r) {
      const auto kind = next(40);
      if (kind == 0) {
        s += "\n";  // a blank line
        continue;
      }
      if (kind == 1) {
        s += "\r\n";
        continue;
      }
      std::size_t n = ncols;
      if (kind == 2) {
        n = ncols + 1 + next(2);
      } else if (kind == 3 && ncols > 1) {
        n = ncols - 1 - next(std::min<std::uint32_t>(2, static_cast<std::uint32_t>(ncols - 1)));
      }
      const bool plain = next(3) != 0;  // mostly codes and blanks, as in exports
      for (std::size_t c = 0; c < n; ++c) {
        if (c > 0) {
          s += delim;
        }
        s += plain ? (next(10) == 0 ? std::string() : std::to_string(next(4))) : cell(delim);
      }
      s += next(4) == 0 ? "\r\n" : "\n";
    }
    if (next(2) == 0 && !s.empty()) {
      s.pop_back();  // no final line feed (and sometimes a CR left at the very end)
    }
    return s;
  }

 private:
  std::uint32_t x_;
};

struct Record {
  std::uint64_t line = 0;
  bool blank = false;
  std::string error;
  std::vector<std::string> fields;
  bool operator==(const Record&) const = default;
};

Record record_of(const RecordReader& r) {
  Record out{r.line(), r.blank(), r.error(), {}};
  for (std::size_t i = 0; i < r.size(); ++i) {
    out.fields.emplace_back(r.fields()[i]);
  }
  return out;
}

// Every record CsvParser alone gives for `chunk`.
std::vector<Record> parsed(std::string_view chunk, char delim, std::uint64_t first_line) {
  promkit::CsvParser parser(chunk, delim, first_line);
  promkit::CsvRecord rec;
  std::vector<Record> out;
  while (parser.next(rec)) {
    Record r{rec.line, rec.blank(), rec.error, {}};
    for (const auto f : rec.fields) {
      r.fields.emplace_back(f);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::string shown(const Record& r) {
  std::string s = "line " + std::to_string(r.line) + (r.blank ? " blank" : "") +
                  (r.error.empty() ? "" : " error: " + r.error) + " [";
  for (const auto& f : r.fields) {
    s += "<" + f + ">";
  }
  return s + "]";
}

}  // namespace

TEST_SUITE("batch_records") {
  TEST_CASE("record splitter gives CsvParser's records on generated chunks") {
    Gen gen(2024);
    int plain_records = 0;
    for (int round = 0; round < 300; ++round) {
      const char delim = ",;\t"[round % 3];
      const std::size_t ncols = 1 + gen.next(20);
      const std::string chunk = gen.body(delim, ncols, 1 + static_cast<int>(gen.next(60)));
      CAPTURE(round);
      CAPTURE(chunk);
      const std::vector<Record> want = parsed(chunk, delim, 7);
      for (const bool plain : {true, false}) {
        RecordReader reader(delim, ncols, nullptr, plain);
        reader.start(chunk, 7);
        std::vector<Record> got;
        // Bounded, so that a splitter which stops advancing fails instead of hanging.
        while (got.size() <= want.size() && reader.next()) {
          got.push_back(record_of(reader));
        }
        CAPTURE(plain);
        REQUIRE(got.size() == want.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
          CAPTURE(i);
          CHECK(shown(got[i]) == shown(want[i]));
          plain_records += plain && !got[i].blank && got[i].error.empty() ? 1 : 0;
        }
      }
    }
    CHECK(plain_records > 3000);
  }

  TEST_CASE("record splitter with runs gives CsvParser's records and cells on generated chunks") {
    const auto phq9 = bundled("phq9");
    const auto gad7 = bundled("gad7");
    // Layouts: the items last, in the middle, first; PHQ-9's conditional item 10 beside them;
    // two instruments' runs in one record.
    const std::vector<std::vector<std::string>> layouts = {
        {"client_id", "date", "phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7",
         "phq9_8", "phq9_9"},
        {"client_id", "phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7",
         "phq9_8", "phq9_9", "phq9_10", "note"},
        {"phq9_1", "phq9_2", "phq9_3", "phq9_4", "phq9_5", "phq9_6", "phq9_7", "phq9_8", "phq9_9",
         "gad7_1", "gad7_2", "gad7_3", "gad7_4", "gad7_5", "gad7_6", "gad7_7"},
    };
    Gen gen(77);
    std::uint64_t from_runs = 0;
    for (std::size_t layout = 0; layout < layouts.size(); ++layout) {
      for (const char delim : {',', ';', '\t'}) {
        promkit::BatchOptions opt;
        opt.instruments = {phq9, gad7};
        if (layout < 2) {
          opt.instruments.pop_back();
        }
        opt.input_name = "test.csv";
        std::vector<std::string> notes;
        const Plan plan = promkit::batch_detail::make_plan(layouts[layout], delim, opt, notes);
        TablePlan tables = promkit::batch_detail::make_table_plan(plan);
        for (auto& run : tables.runs) {
          REQUIRE(run.has_value());
          run->views = true;  // fill the run's fields in, to compare them
        }
        TablePath with_runs(plan, tables);
        TablePath without(plan, tables);
        const std::size_t ncols = plan.ncols;
        for (int round = 0; round < 40; ++round) {
          const std::string chunk = gen.body(delim, ncols, 1 + static_cast<int>(gen.next(80)));
          CAPTURE(layout);
          CAPTURE(chunk);
          RecordReader reader(delim, ncols, &with_runs, true);
          RecordReader reference(delim, ncols, nullptr, false);
          reader.start(chunk, 2);
          reference.start(chunk, 2);
          for (;;) {
            const bool more = reader.next();
            REQUIRE(more == reference.next());
            if (!more) {
              break;
            }
            const Record got = record_of(reader);
            const Record want = record_of(reference);
            REQUIRE(shown(got) == shown(want));
            if (got.blank || !got.error.empty() || got.fields.size() != ncols) {
              continue;
            }
            // The cells a run read give the row the fields give.
            for (std::size_t k = 0; k < plan.instruments.size(); ++k) {
              without.new_record();
              const bool a = with_runs.read(k, reader.fields());
              REQUIRE(a == without.read(k, reference.fields()));
              if (!a) {
                continue;
              }
              std::vector<char> x(with_runs.room(k));
              std::vector<char> y(without.room(k));
              const std::string_view tx(
                  x.data(), static_cast<std::size_t>(with_runs.put(x.data(), k) - x.data()));
              const std::string_view ty(
                  y.data(), static_cast<std::size_t>(without.put(y.data(), k) - y.data()));
              CHECK(tx == ty);
              from_runs += with_runs.read_by_run(k) ? 1 : 0;
            }
          }
        }
      }
    }
    CHECK(from_runs > 2000);
  }
}
