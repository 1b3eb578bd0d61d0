// libFuzzer target for the instrument definition loader (TOML -> Instrument + validation).
// Any promkit::Error is an expected rejection of bad input; everything else (another exception,
// a crash, a sanitizer report) is a finding. Run: make fuzz, or
//   build/fuzz/fuzz/fuzz_definition tests/fuzz/corpus/fuzz_definition -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "promkit/definition/instrument_loader.hpp"
#include "promkit/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const promkit::Instrument instrument = promkit::load_instrument(text, "fuzz.toml");
    static_cast<void>(instrument);
  } catch (const promkit::Error&) {
    // Rejected input: fine. Deliberately no catch for std::exception.
  }
  return 0;
}
