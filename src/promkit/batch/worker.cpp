#include "promkit/batch/internal/worker.hpp"

namespace promkit::batch_detail {

Worker::Worker(const Plan& plan, const TablePlan& tables)
    : plan_(plan),
      tables_(plan, tables),
      records_(plan.delim, plan.ncols, plan.shortcuts ? &tables_ : nullptr, plan.shortcuts),
      general_(plan) {
  status_.resize(plan.instruments.size());
}

Row Worker::current() const {
  return Row{records_.fields(), records_.size(), records_.line(), records_.error()};
}

void Worker::process(std::string_view chunk, std::uint64_t first_line, ChunkOut& out) {
  out.counts.resize(plan_.instruments.size());
  for (std::size_t i = 0; i < plan_.instruments.size(); ++i) {
    out.counts[i].id = plan_.instruments[i].ins->id;
  }
  if (plan_.opt->format == BatchFormat::Csv) {
    out.csv.reserve(chunk.size() + chunk.size() / 2 + 1024);
  } else {
    out.out.reserve(chunk.size() * 4 + 1024);
  }
  records_.start(chunk, first_line);
  while (records_.next()) {
    if (records_.blank()) {
      ++out.blank;
      continue;
    }
    ++out.rows;
    if (tables_.all() && records_.size() == plan_.ncols && records_.error().empty() &&
        table_row(out)) {
      continue;
    }
    row(out);
    if (out.stop) {
      break;
    }
  }
  tables_.add_tallies(out.counts, out.flags, out.table_scored);
}

bool Worker::table_row(ChunkOut& out) {
  const std::size_t count = plan_.instruments.size();
  for (std::size_t k = 0; k < count; ++k) {
    if (!tables_.read(k, records_.fields())) {
      return false;
    }
  }
  const Row r = current();
  OutBuffer& o = out.csv;
  const std::size_t start = o.size();
  write_kept_csv(o, plan_, r);
  char* w = o.room(tables_.room());
  for (std::size_t k = 0; k < count; ++k) {
    const std::uint32_t raised = tables_.count(k);
    if (raised != 0 && plan_.want_alerts) {
      for (std::size_t f = 0; f < plan_.instruments[k].ins->flags.size(); ++f) {
        if ((raised & (1U << f)) != 0) {
          write_alert(plan_, out, r, k, f);
        }
      }
    }
    w = tables_.put(w, k);
  }
  *w++ = '\n';
  o.commit(w);
  if (plan_.keep.empty()) {
    o.erase(start);  // the first computed column's comma
  }
  return true;
}

void Worker::row(ChunkOut& out) {
  const Row r = current();
  const bool malformed = !r.error.empty() || r.size != plan_.ncols;
  bool row_invalid = malformed;
  if (malformed) {
    ++out.malformed;
    report_error(plan_, out, r.line, "", "", "",
                 !r.error.empty() ? std::string(r.error) : ragged_reason(r.size, plan_.ncols));
  }
  for (std::size_t k = 0; k < plan_.instruments.size(); ++k) {
    if (malformed) {
      status_[k] = RowStatus::Invalid;
      ++out.counts[k].invalid;
      continue;
    }
    tables_.clear_used(k);
    if (tables_.on(k) && tables_.read(k, r.fields)) {
      const std::uint32_t raised = tables_.count(k);
      status_[k] = tables_.status(k);
      for (std::size_t f = 0;
           raised != 0 && plan_.want_alerts && f < plan_.instruments[k].ins->flags.size(); ++f) {
        if ((raised & (1U << f)) != 0) {
          write_alert(plan_, out, r, k, f);
        }
      }
      continue;
    }
    status_[k] = general_.score(k, r, out);
    row_invalid = row_invalid || status_[k] == RowStatus::Invalid;
  }
  if (row_invalid) {
    ++out.invalid_rows;
  }
  if (plan_.opt->format == BatchFormat::Csv) {
    write_csv_row(out.csv, r, malformed);
  } else {
    write_json_row(out.out, plan_, r, general_.scores(), status_, malformed);
  }
}

// Every computed column is written with the comma before it; with no kept columns the row's
// first comma is taken out at the end.
void Worker::write_csv_row(OutBuffer& o, const Row& row, bool malformed) {
  const std::size_t start = o.size();
  write_kept_csv(o, plan_, row);
  for (std::size_t k = 0; k < plan_.instruments.size(); ++k) {
    if (!malformed && tables_.used(k)) {
      o.commit(tables_.put(o.room(tables_.room(k)), k));
      continue;
    }
    const bool have = !malformed && status_[k] != RowStatus::Skipped;
    write_csv_columns(o, *plan_.instruments[k].ins, general_.scores()[k], status_[k], have);
  }
  o.push_back('\n');
  if (plan_.keep.empty()) {
    o.erase(start);
  }
}

}  // namespace promkit::batch_detail
