#include "promkit/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "promkit/csv/csv_io.hpp"
#include "promkit/report/internal/format.hpp"

#include <nlohmann/json.hpp>

namespace promkit {

using namespace report_detail;

// --- the builder --------------------------------------------------------------------------------

struct ReportBuilder::Group {
  std::string client;
  // Per instrument, in the store's order (by id): its series in date order.
  std::vector<std::pair<std::string, std::vector<Measurement>>> series;
  std::size_t used = 0;  // entries of `series` in use (kept allocated between clients)

  std::vector<Measurement>* find(std::string_view id) {
    for (std::size_t i = 0; i < used; ++i) {
      if (series[i].first == id) {
        return &series[i].second;
      }
    }
    return nullptr;
  }
};

ReportBuilder::ReportBuilder(const Store& store, InstrumentLookup lookup,
                             std::vector<PairedDefinition> paired, ReportOptions options)
    : store_(store), lookup_(std::move(lookup)), options_(std::move(options)) {
  for (auto& def : paired) {
    const OutcomeParams* a = params_for(def.first);
    const OutcomeParams* b = params_for(def.second);
    auto usable = [](const OutcomeParams* p) {
      return p != nullptr && p->caseness && p->reliable_change;
    };
    if (!usable(a) || !usable(b)) {
      notes_.push_back(fmt::format(
          "{}: skipped: {} and {} both need a definition with caseness and reliable_change on "
          "scale '{}'",
          def.id, def.first, def.second, options_.scale));
      continue;
    }
    paired_.push_back({std::move(def), *a, *b});
  }
}

const OutcomeParams* ReportBuilder::params_for(std::string_view instrument_id) {
  auto it = params_.find(instrument_id);
  if (it == params_.end()) {
    std::optional<OutcomeParams> p;
    std::shared_ptr<const Instrument> ins;
    try {
      ins = lookup_(instrument_id);
    } catch (const Error&) {
      ins = nullptr;
    }
    if (ins) {
      p = outcome_params(*ins, options_.scale);
    }
    it = params_.emplace(std::string(instrument_id), std::move(p)).first;
  }
  return it->second ? &*it->second : nullptr;
}

void ReportBuilder::scan(const std::function<void(Group&)>& on_client) const {
  Group g;
  store_.for_each_score(options_.filter, options_.scale, [&](const ScoreRow& r) {
    if (r.client_id != g.client) {
      if (g.used > 0) {
        on_client(g);
      }
      g.client.assign(r.client_id);
      for (std::size_t i = 0; i < g.used; ++i) {
        g.series[i].second.clear();
      }
      g.used = 0;
    }
    if (g.used == 0 || g.series[g.used - 1].first != r.instrument_id) {
      if (g.used == g.series.size()) {
        g.series.emplace_back();
      }
      g.series[g.used].first.assign(r.instrument_id);
      g.series[g.used].second.clear();
      ++g.used;
    }
    auto& s = g.series[g.used - 1].second;
    s.emplace_back();
    s.back().date.assign(r.administered_at);
    s.back().value = r.value;
    s.back().band.assign(r.band);
  });
  if (g.used > 0) {
    on_client(g);
  }
}

ReportData ReportBuilder::summarise() {
  ReportData data;
  data.options = options_;
  std::map<std::string, std::pair<CohortBuilder, InstrumentSection>, std::less<>> sections;
  std::vector<PairedSummary> paired(paired_.size());
  scan([&](Group& g) {
    ++data.clients;
    for (std::size_t i = 0; i < g.used; ++i) {
      const auto& [id, series] = g.series[i];
      data.administrations += series.size();
      for (const auto& m : series) {
        if (data.first_date.empty() || m.date < data.first_date) {
          data.first_date = m.date.substr(0, 10);
        }
        if (m.date.substr(0, 10) > data.last_date) {
          data.last_date = m.date.substr(0, 10);
        }
      }
      const OutcomeParams* p = params_for(id);
      if (p == nullptr) {
        continue;
      }
      auto it = sections.find(id);
      if (it == sections.end()) {
        it = sections.emplace(id, std::make_pair(CohortBuilder(*p), InstrumentSection{})).first;
      }
      ClientOutcome o = analyse_client(*p, g.client, series);
      it->second.first.add(o, series);
      auto& clients = it->second.second.clients;
      if (clients.size() < std::max(options_.client_rows, options_.client_charts)) {
        clients.push_back({std::move(o), series});
      }
    }
    for (std::size_t k = 0; k < paired_.size(); ++k) {
      const auto* a = g.find(paired_[k].def.first);
      const auto* b = g.find(paired_[k].def.second);
      if (a != nullptr && b != nullptr) {
        paired[k].add(analyse_paired(paired_[k], g.client, *a, *b));
      }
    }
  });
  for (auto& [id, entry] : sections) {
    entry.second.cohort = entry.first.finish();
    data.instruments.push_back(std::move(entry.second));
  }
  for (const auto& [id, p] : params_) {
    if (!p) {
      data.notes.push_back(
          fmt::format("{}: in the store but no definition with a scale '{}' was found; left out",
                      id, options_.scale));
    }
  }
  for (std::size_t k = 0; k < paired_.size(); ++k) {
    if (paired[k].clients > 0) {
      data.paired.push_back({paired_[k], paired[k]});
    }
  }
  data.notes.insert(data.notes.end(), notes_.begin(), notes_.end());
  return data;
}

void ReportBuilder::each_client(const ClientVisitor& visitor) const {
  scan([&](Group& g) {
    for (std::size_t i = 0; i < g.used; ++i) {
      const auto& [id, series] = g.series[i];
      auto it = params_.find(id);
      if (it == params_.end() || !it->second) {
        continue;
      }
      if (visitor.client) {
        visitor.client(*it->second, analyse_client(*it->second, g.client, series));
      }
    }
    if (visitor.paired) {
      for (const auto& pp : paired_) {
        const auto* a = g.find(pp.def.first);
        const auto* b = g.find(pp.def.second);
        if (a != nullptr && b != nullptr) {
          visitor.paired(pp, analyse_paired(pp, g.client, *a, *b));
        }
      }
    }
  });
}

// --- shared formatting --------------------------------------------------------------------------

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

namespace {

// Bars ▁..█ for the monthly means, scaled to the scale's range.
std::string sparkline(const CohortSummary& c) {
  static constexpr std::string_view kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  const double lo = c.params.lo;
  const double span = c.params.hi > lo ? c.params.hi - lo : 1;
  for (const auto& m : c.months) {
    const double f = std::clamp((m.mean - lo) / span, 0.0, 1.0);
    out += kBars[static_cast<std::size_t>(std::lround(f * 7))];
  }
  return out;
}

struct Colors {
  bool on = false;
  [[nodiscard]] std::string wrap(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  }
  [[nodiscard]] std::string bold(std::string_view s) const { return wrap("1", s); }
  [[nodiscard]] std::string good(std::string_view s) const { return wrap("32", s); }
  [[nodiscard]] std::string bad(std::string_view s) const { return wrap("31", s); }
};

// Text cells can hold client ids: strip control characters so nothing reaches the terminal raw.
std::string safe_text(std::string_view s) {
  std::string out;
  for (const char c : s) {
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  }
  return out;
}

}  // namespace

// --- text ---------------------------------------------------------------------------------------

void render_text(std::ostream& os, const ReportData& data, const TextStyle& style) {
  const Colors c{style.color};
  const auto& o = data.options;
  fmt::print(os, "{}\n", c.bold(o.title));
  if (!o.store_label.empty()) {
    fmt::print(os, "Store: {}\n", o.store_label);
  }
  fmt::print(os, "Period: {} to {}   Filters: {}\n",
             data.first_date.empty() ? "-" : data.first_date,
             data.last_date.empty() ? "-" : data.last_date, safe_text(filters_text(o.filter)));
  fmt::print(os, "Clients: {}   Administrations: {}\n", data.clients, data.administrations);
  for (const auto& n : data.notes) {
    fmt::print(os, "Note: {}\n", safe_text(n));
  }
  for (const auto& sec : data.instruments) {
    const CohortSummary& s = sec.cohort;
    const OutcomeParams& p = s.params;
    fmt::print(
        os, "\n{}\n",
        c.bold(fmt::format("{} ({} {}): {} ({})", p.instrument_name, p.instrument_id,
                           p.instrument_version, p.scale_name, direction_text(p.direction))));
    fmt::print(os, "  Clients                  {:>7}   2+ scored {}   1 scored {}   none {}\n",
               s.clients, s.eligible, s.single, s.unscored);
    fmt::print(os, "  Completeness             {:>7} of {} administrations scored ({})\n", s.scored,
               s.administrations, pct(s.scored, s.administrations, kPlain));
    fmt::print(os, "  Mean change              {}\n", ci_text(s.change, kPlain));
    fmt::print(os, "  Reliable change          {}\n", rc_text(p));
    if (p.reliable_change) {
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", c.good("improved"), s.improved,
                 pct(s.improved, s.eligible, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "no reliable change", s.no_change,
                 pct(s.no_change, s.eligible, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", c.bad("deteriorated"), s.deteriorated,
                 pct(s.deteriorated, s.eligible, kPlain));
    }
    if (p.caseness) {
      fmt::print(os, "  Caseness                 {}\n", threshold_text(*p.caseness, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}  (clinically significant improvement)\n",
                 "case -> non-case", s.case_to_noncase, pct(s.case_to_noncase, s.eligible, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "remained case", s.remained_case,
                 pct(s.remained_case, s.eligible, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "non-case -> case", s.noncase_to_case,
                 pct(s.noncase_to_case, s.eligible, kPlain));
      fmt::print(os, "    {:<22} {:>7}  {:>6}\n", "remained non-case", s.remained_noncase,
                 pct(s.remained_noncase, s.eligible, kPlain));
    } else {
      fmt::print(os, "  Caseness                 not defined\n");
    }
    if (p.caseness && p.reliable_change) {
      fmt::print(os, "  Recovered (reliable improvement and case -> non-case) {} ({} of cases)\n",
                 s.recovered, pct(s.recovered, s.case_to_noncase + s.remained_case, kPlain));
    }
    if (p.response) {
      fmt::print(os, "  Response (>= {:.0f}% reduction)   {} of {} ({})\n", *p.response * 100,
                 s.response_yes, s.response_assessed,
                 pct(s.response_yes, s.response_assessed, kPlain));
    } else {
      fmt::print(os, "  Response                 not defined\n");
    }
    if (p.remission) {
      fmt::print(os, "  Remission ({})         {} of {} ({})\n",
                 threshold_text(*p.remission, kPlain), s.remission_yes, s.remission_assessed,
                 pct(s.remission_yes, s.remission_assessed, kPlain));
    } else {
      fmt::print(os, "  Remission                not defined\n");
    }
    if (!s.transitions.empty()) {
      fmt::print(os, "  Band transitions (baseline -> latest)\n");
      for (const auto& t : s.transitions) {
        fmt::print(
            os, "    {:<40} {:>7}\n",
            fmt::format("{} -> {}", t.from.empty() ? "-" : t.from, t.to.empty() ? "-" : t.to), t.n);
      }
    }
    if (!s.months.empty()) {
      fmt::print(os, "  Monthly mean {} to {}  {}  ({}, scale {} to {})\n", s.months.front().month,
                 s.months.back().month, sparkline(s), direction_text(p.direction), num(p.lo),
                 num(p.hi));
      for (const auto& m : s.months) {
        fmt::print(os, "    {}  mean {:>6.1f}  n {}\n", m.month, m.mean, m.n);
      }
    }
    if (!sec.clients.empty()) {
      const std::size_t shown = std::min(sec.clients.size(), o.client_rows);
      fmt::print(os, "  Clients (first {} of {}; --format csv or json for all)\n", shown,
                 s.clients);
      fmt::print(os, "    {:<16} {:>3} {:>8} {:>8} {:>7}  {:<19} {}\n", "client", "n", "baseline",
                 "latest", "change", "reliable change", "caseness");
      for (std::size_t i = 0; i < shown; ++i) {
        const ClientOutcome& co = sec.clients[i].outcome;
        std::string rc = rc_word(co.reliable_change);
        const std::string rc_cell = fmt::format("{:<19}", rc);
        fmt::print(os, "    {:<16} {:>3} {:>8} {:>8} {:>7}  {} {}\n", safe_text(co.client_id),
                   co.administrations, num(co.baseline ? co.baseline->value : std::nullopt, kPlain),
                   num(co.latest ? co.latest->value : std::nullopt, kPlain),
                   co.change ? signed_num(*co.change) : "-",
                   co.reliable_change == RcOutcome::Improved       ? c.good(rc_cell)
                   : co.reliable_change == RcOutcome::Deteriorated ? c.bad(rc_cell)
                                                                   : rc_cell,
                   case_word(co.caseness, kPlain));
      }
    }
  }
  for (const auto& ps : data.paired) {
    const auto& d = ps.params.def;
    const auto& s = ps.summary;
    fmt::print(os, "\n{}\n", c.bold(d.name));
    fmt::print(os, "  Clients with both        {:>7}   with {}+ paired administrations {}\n",
               s.clients, std::max(2, d.min_paired), s.eligible);
    fmt::print(os, "  At caseness at start     {:>7}  {:>6} of eligible\n", s.case_at_start,
               pct(s.case_at_start, s.eligible, kPlain));
    fmt::print(os, "  Recovery                 {:>7}  {:>6} of cases at start{}\n", s.recovered,
               pct(s.recovered, s.case_at_start, kPlain), unconfirmed_mark(d, "recovery"));
    fmt::print(os, "  Reliable improvement     {:>7}  {:>6} of eligible{}\n",
               s.reliable_improvement, pct(s.reliable_improvement, s.eligible, kPlain),
               unconfirmed_mark(d, "reliable_improvement"));
    fmt::print(os, "  Reliable recovery        {:>7}  {:>6} of cases at start{}\n",
               s.reliable_recovery, pct(s.reliable_recovery, s.case_at_start, kPlain),
               unconfirmed_mark(d, "reliable_recovery"));
    fmt::print(os, "  Reliable deterioration   {:>7}  {:>6} of eligible{}\n",
               s.reliable_deterioration, pct(s.reliable_deterioration, s.eligible, kPlain),
               unconfirmed_mark(d, "reliable_deterioration"));
    fmt::print(os,
               "  Thresholds from the definitions: {} caseness {}, reliable change {}; {} "
               "caseness {}, reliable change {}\n",
               ps.params.first.instrument_id, threshold_text(*ps.params.first.caseness, kPlain),
               num(*ps.params.first.reliable_change), ps.params.second.instrument_id,
               threshold_text(*ps.params.second.caseness, kPlain),
               num(*ps.params.second.reliable_change));
  }
}

// --- Markdown -----------------------------------------------------------------------------------

namespace {

// A Markdown table cell: escape the characters that would end or format the cell, and HTML.
std::string md(std::string_view s) {
  std::string out;
  for (const char ch : s) {
    switch (ch) {
      case '|':
        out += "\\|";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
        out.push_back('\\');
        out.push_back(ch);
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out.push_back(' ');
        break;
      default:
        out.push_back(ch);
    }
  }
  return out;
}

}  // namespace

void render_markdown(std::ostream& os, const ReportData& data) {
  const auto& o = data.options;
  fmt::print(os, "# {}\n\n", md(o.title));
  fmt::print(os, "- Period: {} to {}\n- Filters: {}\n- Clients: {}; administrations: {}\n",
             data.first_date.empty() ? "-" : data.first_date,
             data.last_date.empty() ? "-" : data.last_date, md(filters_text(o.filter)),
             data.clients, data.administrations);
  for (const auto& n : data.notes) {
    fmt::print(os, "- Note: {}\n", md(n));
  }
  for (const auto& sec : data.instruments) {
    const CohortSummary& s = sec.cohort;
    const OutcomeParams& p = s.params;
    fmt::print(os, "\n## {} ({} {}): {}\n\n", md(p.instrument_name), md(p.instrument_id),
               md(p.instrument_version), md(p.scale_name));
    fmt::print(os, "Direction: {}. Reliable change: {}. Caseness: {}.\n\n",
               direction_text(p.direction), rc_text(p),
               p.caseness ? threshold_text(*p.caseness, kPlain) : "not defined");
    fmt::print(os, "| measure | n | % |\n|---|---:|---:|\n");
    fmt::print(os, "| clients | {} | |\n| with 2+ scored administrations | {} | {} |\n", s.clients,
               s.eligible, pct(s.eligible, s.clients, kPlain));
    fmt::print(os, "| with 1 scored administration | {} | {} |\n", s.single,
               pct(s.single, s.clients, kPlain));
    fmt::print(os, "| administrations scored (completeness) | {} of {} | {} |\n", s.scored,
               s.administrations, pct(s.scored, s.administrations, kPlain));
    if (p.reliable_change) {
      fmt::print(os, "| reliably improved | {} | {} |\n", s.improved,
                 pct(s.improved, s.eligible, kPlain));
      fmt::print(os, "| no reliable change | {} | {} |\n", s.no_change,
                 pct(s.no_change, s.eligible, kPlain));
      fmt::print(os, "| reliably deteriorated | {} | {} |\n", s.deteriorated,
                 pct(s.deteriorated, s.eligible, kPlain));
    }
    if (p.caseness) {
      fmt::print(os, "| case -> non-case (clinically significant) | {} | {} |\n", s.case_to_noncase,
                 pct(s.case_to_noncase, s.eligible, kPlain));
      fmt::print(os, "| remained case | {} | {} |\n", s.remained_case,
                 pct(s.remained_case, s.eligible, kPlain));
      fmt::print(os, "| non-case -> case | {} | {} |\n", s.noncase_to_case,
                 pct(s.noncase_to_case, s.eligible, kPlain));
      fmt::print(os, "| remained non-case | {} | {} |\n", s.remained_noncase,
                 pct(s.remained_noncase, s.eligible, kPlain));
    }
    if (p.caseness && p.reliable_change) {
      fmt::print(os, "| recovered (reliable improvement and case -> non-case) | {} | {} |\n",
                 s.recovered, pct(s.recovered, s.case_to_noncase + s.remained_case, kPlain));
    }
    if (p.response) {
      fmt::print(os, "| response | {} of {} | {} |\n", s.response_yes, s.response_assessed,
                 pct(s.response_yes, s.response_assessed, kPlain));
    }
    if (p.remission) {
      fmt::print(os, "| remission | {} of {} | {} |\n", s.remission_yes, s.remission_assessed,
                 pct(s.remission_yes, s.remission_assessed, kPlain));
    }
    fmt::print(os, "\nMean change (latest - baseline): {}\n", ci_text(s.change, kPlain));
    if (!s.transitions.empty()) {
      fmt::print(os, "\n| baseline band | latest band | clients |\n|---|---|---:|\n");
      for (const auto& t : s.transitions) {
        fmt::print(os, "| {} | {} | {} |\n", md(band_label(p, t.from, "-")),
                   md(band_label(p, t.to, "-")), t.n);
      }
    }
    if (!s.months.empty()) {
      fmt::print(os, "\n| month | administrations | mean |\n|---|---:|---:|\n");
      for (const auto& m : s.months) {
        fmt::print(os, "| {} | {} | {:.1f} |\n", m.month, m.n, m.mean);
      }
    }
    if (!sec.clients.empty()) {
      const std::size_t shown = std::min(sec.clients.size(), o.client_rows);
      fmt::print(os, "\nClients (first {} of {}):\n\n", shown, s.clients);
      fmt::print(os,
                 "| client | administrations | baseline | latest | change | reliable change | "
                 "caseness |\n|---|---:|---:|---:|---:|---|---|\n");
      for (std::size_t i = 0; i < shown; ++i) {
        const ClientOutcome& co = sec.clients[i].outcome;
        fmt::print(os, "| {} | {} | {} | {} | {} | {} | {} |\n", md(co.client_id),
                   co.administrations, num(co.baseline ? co.baseline->value : std::nullopt, kPlain),
                   num(co.latest ? co.latest->value : std::nullopt, kPlain),
                   co.change ? signed_num(*co.change) : "-", rc_word(co.reliable_change),
                   case_word(co.caseness, kPlain));
      }
    }
  }
  for (const auto& ps : data.paired) {
    const auto& d = ps.params.def;
    const auto& s = ps.summary;
    fmt::print(os, "\n## {}\n\n| measure | n | % |\n|---|---:|---:|\n", md(d.name));
    fmt::print(
        os, "| clients with both measures | {} | |\n| eligible (paired start and end) | {} | |\n",
        s.clients, s.eligible);
    fmt::print(os, "| at caseness at start | {} | {} |\n", s.case_at_start,
               pct(s.case_at_start, s.eligible, kPlain));
    fmt::print(os, "| recovery{} | {} | {} |\n", unconfirmed_mark(d, "recovery"), s.recovered,
               pct(s.recovered, s.case_at_start, kPlain));
    fmt::print(os, "| reliable improvement{} | {} | {} |\n",
               unconfirmed_mark(d, "reliable_improvement"), s.reliable_improvement,
               pct(s.reliable_improvement, s.eligible, kPlain));
    fmt::print(os, "| reliable recovery{} | {} | {} |\n", unconfirmed_mark(d, "reliable_recovery"),
               s.reliable_recovery, pct(s.reliable_recovery, s.case_at_start, kPlain));
    fmt::print(os, "| reliable deterioration{} | {} | {} |\n",
               unconfirmed_mark(d, "reliable_deterioration"), s.reliable_deterioration,
               pct(s.reliable_deterioration, s.eligible, kPlain));
  }
}

// --- CSV ----------------------------------------------------------------------------------------

namespace {

class CsvOut {
 public:
  explicit CsvOut(std::ostream& os) : os_(os) {}
  void row(std::string_view section, std::string_view instrument, std::string_view scale,
           std::string_view group, std::string_view measure, std::string_view value) {
    line_.clear();
    append_csv_field(line_, section, true);
    line_.push_back(',');
    append_csv_field(line_, instrument, true);
    line_.push_back(',');
    append_csv_field(line_, scale, true);
    line_.push_back(',');
    append_csv_field(line_, group, true);
    line_.push_back(',');
    append_csv_field(line_, measure, true);
    line_.push_back(',');
    append_csv_field(line_, value, true);
    line_.push_back('\n');
    os_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }

 private:
  std::ostream& os_;
  std::string line_;
};

std::string csv_num(const std::optional<double>& v) {
  return v ? fmt::format("{:.2f}", *v) : std::string();
}

std::string u(std::uint64_t n) {
  return fmt::format("{}", n);
}

}  // namespace

void render_csv(std::ostream& os, const ReportData& data, const ReportBuilder& builder) {
  CsvOut out(os);
  os << "section,instrument,scale,group,measure,value\n";
  out.row("report", "", "", "", "clients", u(data.clients));
  out.row("report", "", "", "", "administrations", u(data.administrations));
  out.row("report", "", "", "", "first_date", data.first_date);
  out.row("report", "", "", "", "last_date", data.last_date);
  for (const auto& sec : data.instruments) {
    const auto& s = sec.cohort;
    const auto& p = s.params;
    auto c = [&](std::string_view measure, const std::string& value) {
      out.row("cohort", p.instrument_id, p.scale_id, "", measure, value);
    };
    c("direction", std::string(to_string(p.direction)));
    c("reliable_change_threshold", csv_num(p.reliable_change));
    c("caseness", p.caseness ? threshold_text(*p.caseness, kPlain) : "");
    c("clients", u(s.clients));
    c("eligible", u(s.eligible));
    c("single_scored", u(s.single));
    c("unscored", u(s.unscored));
    c("administrations", u(s.administrations));
    c("scored", u(s.scored));
    if (p.reliable_change) {
      c("improved", u(s.improved));
      c("no_reliable_change", u(s.no_change));
      c("deteriorated", u(s.deteriorated));
    }
    if (p.caseness) {
      c("case_to_noncase", u(s.case_to_noncase));
      c("remained_case", u(s.remained_case));
      c("noncase_to_case", u(s.noncase_to_case));
      c("remained_noncase", u(s.remained_noncase));
    }
    if (p.caseness && p.reliable_change) {
      c("recovered", u(s.recovered));
    }
    if (p.response) {
      c("response", u(s.response_yes));
      c("response_assessed", u(s.response_assessed));
    }
    if (p.remission) {
      c("remission", u(s.remission_yes));
      c("remission_assessed", u(s.remission_assessed));
    }
    c("mean_change", s.change.n > 0 ? csv_num(s.change.mean) : "");
    c("mean_change_sd", s.change.n > 1 ? csv_num(s.change.sd) : "");
    c("mean_change_ci_low", csv_num(s.change.lo));
    c("mean_change_ci_high", csv_num(s.change.hi));
    for (const auto& t : s.transitions) {
      out.row("transition", p.instrument_id, p.scale_id, t.from, t.to, u(t.n));
    }
    for (const auto& m : s.months) {
      out.row("month", p.instrument_id, p.scale_id, m.month, "n", u(m.n));
      out.row("month", p.instrument_id, p.scale_id, m.month, "mean", csv_num(m.mean));
    }
  }
  for (const auto& ps : data.paired) {
    const auto& s = ps.summary;
    auto c = [&](std::string_view measure, std::uint64_t v) {
      out.row("paired", ps.params.def.id, "", "", measure, u(v));
    };
    c("clients", s.clients);
    c("eligible", s.eligible);
    c("case_at_start", s.case_at_start);
    c("recovered", s.recovered);
    c("reliable_improvement", s.reliable_improvement);
    c("reliable_recovery", s.reliable_recovery);
    c("reliable_deterioration", s.reliable_deterioration);
  }
  ClientVisitor v;
  v.client = [&](const OutcomeParams& p, const ClientOutcome& co) {
    auto c = [&](std::string_view measure, const std::string& value) {
      out.row("client", p.instrument_id, p.scale_id, co.client_id, measure, value);
    };
    c("administrations", fmt::format("{}", co.administrations));
    c("scored", fmt::format("{}", co.scored));
    c("baseline_date", co.baseline ? co.baseline->date : "");
    c("baseline", csv_num(co.baseline ? co.baseline->value : std::nullopt));
    c("baseline_band", co.baseline ? co.baseline->band : "");
    c("latest_date", co.latest ? co.latest->date : "");
    c("latest", csv_num(co.latest ? co.latest->value : std::nullopt));
    c("latest_band", co.latest ? co.latest->band : "");
    c("change", csv_num(co.change));
    c("reliable_change", std::string(to_string(co.reliable_change)));
    c("caseness", std::string(to_string(co.caseness)));
    c("recovered", std::string(to_string(co.recovered)));
    c("response", std::string(to_string(co.response)));
    c("remission", std::string(to_string(co.remission)));
  };
  v.paired = [&](const PairedParams& pp, const PairedOutcome& po) {
    auto c = [&](std::string_view measure, const std::string& value) {
      out.row("paired_client", pp.def.id, "", po.client_id, measure, value);
    };
    c("paired", fmt::format("{}", po.paired));
    c("start", po.start);
    c("end", po.end);
    c(pp.def.first + "_start", csv_num(po.first_start));
    c(pp.def.first + "_end", csv_num(po.first_end));
    c(pp.def.second + "_start", csv_num(po.second_start));
    c(pp.def.second + "_end", csv_num(po.second_end));
    c("case_at_start", std::string(to_string(po.case_at_start)));
    c("recovered", std::string(to_string(po.recovered)));
    c("reliable_improvement", std::string(to_string(po.reliable_improvement)));
    c("reliable_recovery", std::string(to_string(po.reliable_recovery)));
    c("reliable_deterioration", std::string(to_string(po.reliable_deterioration)));
  };
  builder.each_client(v);
}

// --- JSON ---------------------------------------------------------------------------------------

namespace {

using Json = nlohmann::ordered_json;

Json jnum(const std::optional<double>& v) {
  return v ? json_number(std::round(*v * 100) / 100) : Json(nullptr);
}

Json threshold_json(const std::optional<Threshold>& t) {
  if (!t) {
    return nullptr;
  }
  Json j = Json::object();
  if (t->min) {
    j["min"] = json_number(*t->min);
  }
  if (t->max) {
    j["max"] = json_number(*t->max);
  }
  j["cite"] = t->cite;
  return j;
}

Json mean_json(const MeanCi& m) {
  return Json{{"n", m.n},
              {"mean", m.n > 0 ? jnum(m.mean) : Json(nullptr)},
              {"sd", m.n > 1 ? jnum(m.sd) : Json(nullptr)},
              {"ci95_low", jnum(m.lo)},
              {"ci95_high", jnum(m.hi)}};
}

}  // namespace

void render_json(std::ostream& os, const ReportData& data, const ReportBuilder& builder) {
  const auto& o = data.options;
  Json head = Json::object();
  head["title"] = o.title;
  head["filters"] = Json{{"clients", o.filter.clients},
                         {"instruments", o.filter.instruments},
                         {"from", o.filter.from.empty() ? Json(nullptr) : Json(o.filter.from)},
                         {"to", o.filter.to.empty() ? Json(nullptr) : Json(o.filter.to)}};
  head["scale"] = o.scale;
  head["clients"] = data.clients;
  head["administrations"] = data.administrations;
  head["first_date"] = data.first_date.empty() ? Json(nullptr) : Json(data.first_date);
  head["last_date"] = data.last_date.empty() ? Json(nullptr) : Json(data.last_date);
  head["notes"] = data.notes;
  Json instruments = Json::array();
  for (const auto& sec : data.instruments) {
    const auto& s = sec.cohort;
    const auto& p = s.params;
    Json j = Json::object();
    j["id"] = p.instrument_id;
    j["name"] = p.instrument_name;
    j["version"] = p.instrument_version;
    j["scale"] = p.scale_id;
    j["direction"] = to_string(p.direction);
    j["parameters"] = Json{{"caseness", threshold_json(p.caseness)},
                           {"reliable_change", jnum(p.reliable_change)},
                           {"reliable_change_derived", p.reliable_change_derived},
                           {"response_reduction", jnum(p.response)},
                           {"remission", threshold_json(p.remission)}};
    Json c = Json::object();
    c["clients"] = s.clients;
    c["eligible"] = s.eligible;
    c["single_scored"] = s.single;
    c["unscored"] = s.unscored;
    c["administrations"] = s.administrations;
    c["scored"] = s.scored;
    if (p.reliable_change) {
      c["reliable_change"] = Json{
          {"improved", s.improved}, {"no_change", s.no_change}, {"deteriorated", s.deteriorated}};
    }
    if (p.caseness) {
      c["caseness"] = Json{{"case_to_noncase", s.case_to_noncase},
                           {"remained_case", s.remained_case},
                           {"noncase_to_case", s.noncase_to_case},
                           {"remained_noncase", s.remained_noncase}};
    }
    if (p.caseness && p.reliable_change) {
      c["recovered"] = s.recovered;
    }
    if (p.response) {
      c["response"] = Json{{"yes", s.response_yes}, {"assessed", s.response_assessed}};
    }
    if (p.remission) {
      c["remission"] = Json{{"yes", s.remission_yes}, {"assessed", s.remission_assessed}};
    }
    c["change"] = mean_json(s.change);
    j["cohort"] = c;
    Json tr = Json::array();
    for (const auto& t : s.transitions) {
      tr.push_back(Json{{"from", t.from}, {"to", t.to}, {"n", t.n}});
    }
    j["transitions"] = tr;
    Json months = Json::array();
    for (const auto& m : s.months) {
      months.push_back(Json{{"month", m.month}, {"n", m.n}, {"mean", jnum(m.mean)}});
    }
    j["months"] = months;
    instruments.push_back(j);
  }
  Json paired = Json::array();
  for (const auto& ps : data.paired) {
    const auto& d = ps.params.def;
    const auto& s = ps.summary;
    Json defs = Json::array();
    for (const auto& oc : d.outcomes) {
      defs.push_back(
          Json{{"id", oc.id}, {"text", oc.text}, {"cite", oc.cite}, {"confirmed", oc.confirmed}});
    }
    paired.push_back(Json{{"id", d.id},
                          {"name", d.name},
                          {"instruments", {d.first, d.second}},
                          {"clients", s.clients},
                          {"eligible", s.eligible},
                          {"case_at_start", s.case_at_start},
                          {"recovered", s.recovered},
                          {"reliable_improvement", s.reliable_improvement},
                          {"reliable_recovery", s.reliable_recovery},
                          {"reliable_deterioration", s.reliable_deterioration},
                          {"definitions", defs}});
  }
  // Stream: the head and summaries first, then one client object per line (memory stays flat).
  std::string text =
      Json{{"report", head}, {"instruments", instruments}, {"paired", paired}}.dump();
  text.pop_back();  // the closing brace
  os << text << ",\"clients\":[";
  bool first = true;
  auto emit = [&](const Json& j) {
    os << (first ? "\n" : ",\n") << j.dump();
    first = false;
  };
  ClientVisitor v;
  v.client = [&](const OutcomeParams& p, const ClientOutcome& co) {
    emit(Json{{"client", co.client_id},
              {"instrument", p.instrument_id},
              {"administrations", co.administrations},
              {"scored", co.scored},
              {"baseline_date", co.baseline ? Json(co.baseline->date) : Json(nullptr)},
              {"baseline", jnum(co.baseline ? co.baseline->value : std::nullopt)},
              {"baseline_band", co.baseline ? Json(co.baseline->band) : Json(nullptr)},
              {"latest_date", co.latest ? Json(co.latest->date) : Json(nullptr)},
              {"latest", jnum(co.latest ? co.latest->value : std::nullopt)},
              {"latest_band", co.latest ? Json(co.latest->band) : Json(nullptr)},
              {"change", jnum(co.change)},
              {"reliable_change", to_string(co.reliable_change)},
              {"caseness", to_string(co.caseness)},
              {"recovered", to_string(co.recovered)},
              {"response", to_string(co.response)},
              {"remission", to_string(co.remission)}});
  };
  v.paired = [&](const PairedParams& pp, const PairedOutcome& po) {
    emit(Json{{"client", po.client_id},
              {"paired", pp.def.id},
              {"paired_administrations", po.paired},
              {"start", po.start},
              {"end", po.end.empty() ? Json(nullptr) : Json(po.end)},
              {pp.def.first, {{"start", jnum(po.first_start)}, {"end", jnum(po.first_end)}}},
              {pp.def.second, {{"start", jnum(po.second_start)}, {"end", jnum(po.second_end)}}},
              {"case_at_start", to_string(po.case_at_start)},
              {"recovered", to_string(po.recovered)},
              {"reliable_improvement", to_string(po.reliable_improvement)},
              {"reliable_recovery", to_string(po.reliable_recovery)},
              {"reliable_deterioration", to_string(po.reliable_deterioration)}});
  };
  builder.each_client(v);
  os << (first ? "]}\n" : "\n]}\n");
}

}  // namespace promkit
