// The CSV report: one long table (section, instrument, scale, group, measure, value) holding
// the report's figures, the cohort figures per instrument and paired definition, and every
// client's outcome (read from the builder in a second pass, one client at a time).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "promkit/csv/csv_io.hpp"
#include "promkit/report/internal/format.hpp"
#include "promkit/report/report.hpp"

namespace promkit {

using namespace report_detail;

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

void cohort_rows(CsvOut& out, const CohortSummary& s) {
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

void paired_rows(CsvOut& out, const PairedSection& ps) {
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

void client_rows(CsvOut& out, const OutcomeParams& p, const ClientOutcome& co) {
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
}

void paired_client_rows(CsvOut& out, const PairedParams& pp, const PairedOutcome& po) {
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
    cohort_rows(out, sec.cohort);
  }
  for (const auto& ps : data.paired) {
    paired_rows(out, ps);
  }
  ClientVisitor v;
  v.client = [&](const OutcomeParams& p, const ClientOutcome& co) { client_rows(out, p, co); };
  v.paired = [&](const PairedParams& pp, const PairedOutcome& po) {
    paired_client_rows(out, pp, po);
  };
  builder.each_client(v);
}

}  // namespace promkit
