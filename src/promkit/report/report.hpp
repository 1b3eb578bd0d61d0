#pragma once
// Trend reports: read scores from the store, judge each client's course by the instrument's own
// definition (outcomes.hpp), aggregate per cohort, and render as text, Markdown, CSV, JSON or one
// self-contained HTML file. Memory stays bounded: the store is streamed client by client, and only
// aggregates plus a fixed number of example clients are kept (CSV and JSON stream every client in
// a second pass). See docs/report.md.
//
// The builder is in builder.cpp, each renderer in render_<format>.cpp (HTML's charts in
// html_charts.cpp), and the words and numbers they share in internal/format.hpp.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "promkit/core/instrument.hpp"
#include "promkit/report/outcomes.hpp"
#include "promkit/store/store.hpp"

namespace promkit {

// The text style (promkit/render/render.hpp, not included here: that header brings nlohmann/json,
// which report's public headers keep out).
struct TextStyle;

struct ReportOptions {
  StoreFilter filter;
  std::string scale = "total";     // the scale analysed for every instrument
  std::size_t client_rows = 50;    // clients listed per instrument in text, Markdown and HTML
  std::size_t client_charts = 12;  // clients charted per instrument in HTML
  std::string title = "Outcome report";
  std::string store_label;  // shown in the header (the store's path)
};

// The definition of an instrument id, or nullptr when it is not known.
using InstrumentLookup = std::function<std::shared_ptr<const Instrument>(std::string_view)>;

struct ClientDetail {
  ClientOutcome outcome;
  std::vector<Measurement> series;
};

struct InstrumentSection {
  CohortSummary cohort;
  std::vector<ClientDetail> clients;  // the first ReportOptions::client_rows clients, by id
};

struct PairedSection {
  PairedParams params;
  PairedSummary summary;
};

struct ReportData {
  ReportOptions options;
  std::uint64_t clients = 0;
  std::uint64_t administrations = 0;
  std::string first_date;
  std::string last_date;
  std::vector<InstrumentSection> instruments;  // by instrument id
  std::vector<PairedSection> paired;
  std::vector<std::string> notes;  // what was left out, and why
};

struct ClientVisitor {
  std::function<void(const OutcomeParams&, const ClientOutcome&)> client;
  std::function<void(const PairedParams&, const PairedOutcome&)> paired;
};

class ReportBuilder {
 public:
  // `paired`: the paired-measure definitions to apply when both instruments are in the data (a
  // definition whose instruments lack caseness or reliable change is noted and skipped).
  ReportBuilder(const Store& store, InstrumentLookup lookup, std::vector<PairedDefinition> paired,
                ReportOptions options);

  // First pass: aggregates and example clients.
  [[nodiscard]] ReportData summarise();

  // Another pass: every client's outcome per instrument, and per paired definition, in client
  // order (for CSV and JSON). Call after summarise().
  void each_client(const ClientVisitor& visitor) const;

 private:
  struct Group;
  void scan(const std::function<void(Group&)>& on_client) const;
  const OutcomeParams* params_for(std::string_view instrument_id);

  const Store& store_;
  InstrumentLookup lookup_;
  ReportOptions options_;
  // Instruments met in the store: their parameters, or nullopt when there is no usable definition.
  std::map<std::string, std::optional<OutcomeParams>, std::less<>> params_;
  std::vector<PairedParams> paired_;
  std::vector<std::string> notes_;
};

// HTML text: & < > " ' escaped.
[[nodiscard]] std::string html_escape(std::string_view s);

void render_text(std::ostream& os, const ReportData& data, const TextStyle& style);
void render_markdown(std::ostream& os, const ReportData& data);
void render_html(std::ostream& os, const ReportData& data);
// CSV and JSON carry every client: they read the builder again.
void render_csv(std::ostream& os, const ReportData& data, const ReportBuilder& builder);
void render_json(std::ostream& os, const ReportData& data, const ReportBuilder& builder);

}  // namespace promkit
