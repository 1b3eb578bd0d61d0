// libFuzzer target for the CSV reader: CsvParser over the whole input as one chunk, with the
// delimiter chosen by the first byte (',' ';' or tab), plus detect_delimiter and append_csv_field
// on every field. Any promkit::Error is an expected rejection; everything else (another
// exception, a crash, a sanitizer report, a broken invariant) is a finding. Run: make fuzz, or
//   build/fuzz/fuzz/fuzz_csv tests/fuzz/corpus/fuzz_csv -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"

namespace {

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  constexpr char kDelimiters[] = {',', ';', '\t'};
  const char delim = kDelimiters[data[0] % 3];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const char detected = promkit::detect_delimiter(text);
    check(detected == ',' || detected == ';' || detected == '\t');

    promkit::CsvParser parser(text, delim, 1);
    promkit::CsvRecord rec;
    std::uint64_t line = 1;
    std::size_t pos = 0;
    std::string out;
    while (parser.next(rec)) {
      // Records follow each other without gaps and always move forward.
      check(rec.line == line);
      check(rec.end_line >= rec.line);
      check(parser.position() > pos);
      check(parser.position() <= text.size());
      check(rec.error.empty() || rec.fields.empty());
      pos = parser.position();
      line = rec.end_line + 1;
      // Writing the fields back (comma-separated, not sanitised) and reading them again gives
      // the same fields. A record of one empty field would be written as a blank line.
      out.clear();
      for (std::size_t i = 0; i < rec.fields.size(); ++i) {
        if (i > 0) {
          out.push_back(',');
        }
        promkit::append_csv_field(out, rec.fields[i], false);
      }
      out.push_back('\n');
      if (!(rec.fields.size() == 1 && rec.fields[0].empty())) {
        promkit::CsvParser again(out, ',', 1);
        promkit::CsvRecord back;
        check(again.next(back));
        check(back.error.empty());
        check(back.fields.size() == rec.fields.size());
        for (std::size_t i = 0; i < rec.fields.size(); ++i) {
          check(back.fields[i] == rec.fields[i]);
        }
        check(!again.next(back));
      }
      std::string sanitized;
      for (std::string_view f : rec.fields) {
        promkit::append_csv_field(sanitized, f, true);
        static_cast<void>(promkit::is_plain_number(f));
      }
    }
    check(pos == text.size());
  } catch (const promkit::Error&) {
    // Rejected input: fine. Deliberately no catch for std::exception.
  }
  return 0;
}
