#include "promkit/batch/batch.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "promkit/batch/internal/plan.hpp"
#include "promkit/batch/internal/table_path.hpp"
#include "promkit/batch/internal/worker.hpp"
#include "promkit/batch/internal/writers.hpp"
#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"

// The thread pipeline: the reader cuts the input into chunks of whole records, workers score
// them (worker.hpp), and the results are written in input order. With one thread, chunks are
// scored where the reader holds them.

namespace promkit {
namespace {

using namespace batch_detail;  // NOLINT(google-build-using-namespace): the batch scorer's parts

void add_counts(BatchSummary& sum, const ChunkOut& c) {
  sum.rows += c.rows;
  sum.blank_lines += c.blank;
  sum.invalid_rows += c.invalid_rows;
  sum.malformed_rows += c.malformed;
  sum.flags += c.flags;
  sum.errors_reported += c.errors_reported;
  sum.table_scored += c.table_scored;
  for (std::size_t i = 0; i < c.counts.size() && i < sum.instruments.size(); ++i) {
    auto& a = sum.instruments[i];
    const auto& b = c.counts[i];
    a.complete += b.complete;
    a.prorated += b.prorated;
    a.incomplete += b.incomplete;
    a.invalid += b.invalid;
    a.skipped += b.skipped;
    a.flags += b.flags;
  }
}

class Output {
 public:
  Output(const BatchOptions& opt, std::ostream& out, std::ostream* errors, std::ostream* alerts)
      : opt_(opt), out_(out), errors_(errors), alerts_(alerts) {}

  void write(const ChunkOut& c) {
    if (opt_.format == BatchFormat::Json) {
      // Rows are newline-terminated objects; turn them into array elements.
      std::size_t start = 0;
      while (start < c.out.size()) {
        const auto end = c.out.find('\n', start);
        out_ << (rows_ == 0 ? "[\n" : ",\n");
        out_.write(c.out.data() + static_cast<std::ptrdiff_t>(start),
                   static_cast<std::streamsize>(end - start));
        ++rows_;
        start = end + 1;
      }
    } else if (opt_.format == BatchFormat::Csv) {
      out_.write(c.csv.data(), static_cast<std::streamsize>(c.csv.size()));
    } else {
      out_.write(c.out.data(), static_cast<std::streamsize>(c.out.size()));
    }
    if (errors_ != nullptr) {
      errors_->write(c.errors.data(), static_cast<std::streamsize>(c.errors.size()));
    }
    if (alerts_ != nullptr) {
      alerts_->write(c.alerts.data(), static_cast<std::streamsize>(c.alerts.size()));
    }
  }

  void finish() {
    if (opt_.format == BatchFormat::Json) {
      out_ << (rows_ == 0 ? "[]\n" : "\n]\n");
    }
    out_.flush();
  }

 private:
  const BatchOptions& opt_;
  std::ostream& out_;
  std::ostream* errors_;
  std::ostream* alerts_;
  std::uint64_t rows_ = 0;
};

// The export's header read from the first chunk, and where the rows start.
struct Start {
  std::vector<std::string> header;
  char delim = ',';
  std::string rest;  // the first chunk after the header: the first job
  std::uint64_t rest_line = 0;
};

Start read_header(ChunkReader& reader, const BatchOptions& opt) {
  std::string chunk;
  std::uint64_t first_line = 0;
  if (!reader.next(chunk, first_line)) {
    throw DataError(
        fmt::format("{}: the input is empty (a header row is required)", opt.input_name));
  }
  Start st;
  st.delim = opt.delimiter != 0 ? opt.delimiter : detect_delimiter(chunk);
  CsvParser header_parser(chunk, st.delim, first_line);
  CsvRecord header;
  while (header_parser.next(header) && header.blank()) {
  }
  if (!header.error.empty()) {
    throw DataError(fmt::format("{}: line {}: the header row is malformed: {}", opt.input_name,
                                header.line, header.error));
  }
  if (header.fields.empty()) {
    throw DataError(fmt::format("{}: the input has no header row", opt.input_name));
  }
  st.header.assign(header.fields.begin(), header.fields.end());
  st.rest = chunk.substr(header_parser.position());
  st.rest_line = header_parser.line();
  return st;
}

// One thread: the first chunk's rest, then each chunk where the reader has it (no copy).
void run_one_thread(ChunkReader& reader, Start& start, const Plan& plan, const TablePlan& tables,
                    Output& output, BatchSummary& summary) {
  Worker worker(plan, tables);
  ChunkOut c;  // reused for every chunk: its buffers keep their memory
  std::string_view view = start.rest;
  std::uint64_t line = start.rest_line;
  do {
    c.reset();
    worker.process(view, line, c);
    add_counts(summary, c);
    output.write(c);
    if (c.stop) {
      summary.stopped = true;
      summary.stop_reason = c.stop_reason;
      break;
    }
  } while (reader.next_view(view, line));
}

// Several threads: a reader, `threads` workers, and this thread writing in input order. At
// most three chunks per worker are in flight; written results and read chunks are kept for
// their buffers.
class Pipeline {
 public:
  Pipeline(ChunkReader& reader, const Plan& plan, const TablePlan& tables, unsigned threads)
      : reader_(reader),
        plan_(plan),
        tables_(tables),
        threads_(threads),
        max_in_flight_(static_cast<std::size_t>(threads) * 3) {}

  void run(Start& start, Output& output, BatchSummary& summary) {
    std::thread read_thread([&] { read(start); });
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads_; ++t) {
      workers.emplace_back([&] { work(); });
    }
    write(output, summary);
    {
      std::unique_lock lk(m_);
      abort_ = true;
    }
    cv_.notify_all();
    read_thread.join();
    for (auto& w : workers) {
      w.join();
    }
    if (failure_ && !summary.stopped) {
      std::rethrow_exception(failure_);
    }
  }

 private:
  struct Job {
    std::uint64_t seq = 0;
    std::string data;
    std::uint64_t line = 0;
  };

  void read(Start& start) {
    try {
      std::uint64_t seq = 0;
      {
        std::unique_lock lk(m_);
        jobs_.push_back(Job{seq++, std::move(start.rest), start.rest_line});
        ++in_flight_;
      }
      cv_.notify_all();
      std::string data;
      std::uint64_t line = 0;
      for (;;) {
        {
          std::unique_lock lk(m_);
          cv_.wait(lk, [&] { return in_flight_ < max_in_flight_ || abort_; });
          if (abort_) {
            break;
          }
          if (!spare_data_.empty()) {
            data = std::move(spare_data_.back());
            spare_data_.pop_back();
          }
        }
        if (!reader_.next(data, line)) {
          break;
        }
        {
          std::unique_lock lk(m_);
          jobs_.push_back(Job{seq++, std::move(data), line});
          ++in_flight_;
        }
        data = std::string();
        cv_.notify_all();
      }
      std::unique_lock lk(m_);
      reading_done_ = true;
      total_jobs_ = seq;
    } catch (...) {
      std::unique_lock lk(m_);
      failure_ = std::current_exception();
      reading_done_ = true;
      abort_ = true;
    }
    cv_.notify_all();
  }

  void work() {
    Worker worker(plan_, tables_);
    for (;;) {
      Job job;
      ChunkOut c;
      {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] { return !jobs_.empty() || reading_done_ || abort_; });
        if (abort_ || jobs_.empty()) {
          return;  // (woken with no job: reading is done, or the run is stopped)
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
        if (!spare_outs_.empty()) {
          c = std::move(spare_outs_.back());
          spare_outs_.pop_back();
        }
      }
      c.reset();
      worker.process(job.data, job.line, c);
      {
        std::unique_lock lk(m_);
        done_.emplace(job.seq, std::move(c));
        spare_data_.push_back(std::move(job.data));
      }
      cv_.notify_all();
    }
  }

  void write(Output& output, BatchSummary& summary) {
    for (std::uint64_t next_seq = 0;; ++next_seq) {
      ChunkOut c;
      {
        std::unique_lock lk(m_);
        cv_.wait(lk, [&] {
          return done_.count(next_seq) != 0 || abort_ || (reading_done_ && next_seq >= total_jobs_);
        });
        if (abort_ || done_.count(next_seq) == 0) {
          break;
        }
        c = std::move(done_.at(next_seq));
        done_.erase(next_seq);
      }
      add_counts(summary, c);
      output.write(c);
      const bool stop = c.stop;
      {
        std::unique_lock lk(m_);
        --in_flight_;
        if (stop) {
          summary.stopped = true;
          summary.stop_reason = c.stop_reason;
          abort_ = true;
        }
        spare_outs_.push_back(std::move(c));
      }
      cv_.notify_all();
      if (stop) {
        break;
      }
    }
  }

  ChunkReader& reader_;
  const Plan& plan_;
  const TablePlan& tables_;
  unsigned threads_;
  std::size_t max_in_flight_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::map<std::uint64_t, ChunkOut> done_;
  std::vector<ChunkOut> spare_outs_;     // written results, kept for their buffers
  std::vector<std::string> spare_data_;  // processed input chunks, likewise
  std::size_t in_flight_ = 0;            // read but not yet written
  bool reading_done_ = false;
  bool abort_ = false;
  std::uint64_t total_jobs_ = 0;
  std::exception_ptr failure_;
};

}  // namespace

BatchSummary run_batch(int fd, const BatchOptions& opt, std::ostream& out, std::ostream* errors,
                       std::ostream* alerts) {
  BatchSummary summary;
  ChunkReader reader(fd);
  Start start = read_header(reader, opt);
  Plan plan = make_plan(start.header, start.delim, opt, summary.notes);
  plan.want_errors = errors != nullptr;
  plan.want_alerts = alerts != nullptr;
  const TablePlan tables = make_table_plan(plan);
  for (const auto& ip : plan.instruments) {
    summary.instruments.push_back(InstrumentCounts{ip.ins->id});
  }
  Output output(opt, out, errors, alerts);
  if (opt.format == BatchFormat::Csv) {
    const std::string h = csv_header(plan);
    out.write(h.data(), static_cast<std::streamsize>(h.size()));
  }
  if (errors != nullptr) {
    *errors << "line,column,value,instrument,reason\n";
  }
  if (alerts != nullptr) {
    *alerts << "line,id,date,instrument,flag,level,message\n";
  }
  const unsigned threads = std::max(1U, opt.threads);
  if (threads == 1) {
    run_one_thread(reader, start, plan, tables, output, summary);
  } else {
    Pipeline(reader, plan, tables, threads).run(start, output, summary);
  }
  output.finish();
  return summary;
}

}  // namespace promkit
