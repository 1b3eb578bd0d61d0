// libFuzzer target for the batch scorer: the fuzz input is the body of a CSV export under a
// fixed header naming the items of some bundled instruments (PHQ-9, GAD-7, AUDIT-C with a sex
// column, AUDIT with skip logic, HRQOL-4 with number items). The first byte picks the
// delimiter (bits 0-2), the output format (3), whether 9 is a missing code and PHQ-9's item 10
// has no column (4) and the instruments (5-7). The export is scored twice, with the short cuts
// (quote-free splitting, runs, the table path, one-byte cells) and without them: output,
// errors, alerts and counts must be identical, and rows read must equal the sum of the
// statuses. Any other
// difference, a crash or a sanitizer report is a finding. Run: make fuzz, or
//   build/fuzz/fuzz/fuzz_batch tests/fuzz/corpus/fuzz_batch -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "promkit/batch/batch.hpp"
#include "promkit/definition/instrument_loader.hpp"
#include "promkit/util/error.hpp"

#include <sys/mman.h>
#include <unistd.h>

namespace {

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

std::shared_ptr<const promkit::Instrument> bundled(const char* id) {
  return std::make_shared<const promkit::Instrument>(
      promkit::load_instrument_file(std::string(PROMKIT_SOURCE_DIR) + "/instruments/" + id +
                                    ".toml")
          .instrument);
}

struct Run {
  std::string out;
  std::string errors;
  std::string alerts;
  promkit::BatchSummary summary;
  std::string failure;  // a promkit::Error's message
};

Run run(const std::string& csv, const promkit::BatchOptions& opt) {
  Run r;
  const int fd = ::memfd_create("fuzz_batch", MFD_CLOEXEC);
  check(fd >= 0);
  check(::write(fd, csv.data(), csv.size()) == static_cast<ssize_t>(csv.size()));
  check(::lseek(fd, 0, SEEK_SET) == 0);
  std::ostringstream out;
  std::ostringstream errors;
  std::ostringstream alerts;
  try {
    r.summary = promkit::run_batch(fd, opt, out, &errors, &alerts);
  } catch (const promkit::Error& e) {
    r.failure = e.what();
  }
  ::close(fd);
  r.out = out.str();
  r.errors = errors.str();
  r.alerts = alerts.str();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::shared_ptr<const promkit::Instrument>> kInstruments{
      bundled("phq9"), bundled("gad7"), bundled("auditc"), bundled("audit"), bundled("hrqol4")};
  if (size == 0) {
    return 0;
  }
  const std::uint8_t pick = data[0];
  constexpr char kDelimiters[] = {',', ';', '\t', ','};
  const char delim = kDelimiters[pick & 3U];
  promkit::BatchOptions opt;
  opt.threads = 1;
  opt.input_name = "fuzz.csv";
  opt.delimiter = (pick & 4U) != 0 ? delim : 0;  // else detected from the header
  opt.format = (pick & 8U) != 0 ? promkit::BatchFormat::Ndjson : promkit::BatchFormat::Csv;
  if ((pick & 16U) != 0) {
    opt.map.missing.emplace_back("9", promkit::MissingReason::Other);
  }
  // Bits 5-7 choose one of eight sets of instruments (bit k of a set: kInstruments[k]).
  constexpr std::uint8_t kSets[] = {0x01, 0x02, 0x07, 0x08, 0x10, 0x09, 0x04, 0x1F};
  const std::uint8_t set = kSets[(pick >> 5U) & 7U];
  std::string header = std::string("client_id") + delim + "date";
  for (std::size_t k = 0; k < kInstruments.size(); ++k) {
    if (((set >> k) & 1U) == 0) {
      continue;
    }
    opt.instruments.push_back(kInstruments[k]);
    for (const auto& item : kInstruments[k]->items) {
      // With bit 4, PHQ-9's item 10 (asked only if an item is above 0) has no column, so
      // that its items 1-9 are side by side with no condition among them: a run (see Worker).
      if ((pick & 16U) == 0 || item.id != "phq9_10") {
        header += delim + item.id;
      }
    }
    if (kInstruments[k]->id == "auditc") {
      opt.map.context_columns.emplace_back("sex", "sex");
      header += delim + std::string("sex");
    }
  }
  const std::string csv =
      header + "\n" + std::string(reinterpret_cast<const char*>(data + 1), size - 1);

  const Run fast = run(csv, opt);
  opt.fast_path = false;
  const Run general = run(csv, opt);
  check(general.summary.table_scored == 0);
  check(fast.failure == general.failure);
  check(fast.out == general.out);
  check(fast.errors == general.errors);
  check(fast.alerts == general.alerts);
  check(fast.summary.rows == general.summary.rows);
  check(fast.summary.invalid_rows == general.summary.invalid_rows);
  check(fast.summary.flags == general.summary.flags);
  for (const auto& c : fast.summary.instruments) {
    check(fast.summary.rows == c.complete + c.prorated + c.incomplete + c.invalid + c.skipped);
  }
  return 0;
}
