#pragma once
// The administration journal: an append-only file of JSON lines, one per event, each synced to
// disk (fsync) before the next question is asked, so that Ctrl-C, a closed terminal or kill -9
// loses nothing. The first line is the header (who, what, when); then events:
//   {"t":"answer","item":"x_1","code":2}        an answer (the last one for an item wins)
//   {"t":"skip","item":"x_3"}                    the respondent skipped the item
//   {"t":"flag","instrument":"x","flag":"some_flag"}   a critical flag was shown
//   {"t":"confirm"}                              the review was confirmed: ready to write out
// A completed administration's journal is removed once its result is safely written.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace promkit {

struct JournalInstrument {
  std::string id;
  std::string version;
};

struct JournalHeader {
  std::string id;  // the administration id (also the file's stem)
  std::vector<JournalInstrument> instruments;
  std::string client;
  std::string started;  // UTC, ISO 8601
  std::string mode;     // "clinician" or "client"
  std::string battery;  // battery id, or ""
  std::string lang;     // --lang, or ""
  std::string out;      // --out FILE (absolute), or ""
  std::string store;    // --store FILE (absolute), or ""
  std::vector<std::pair<std::string, std::string>> context;
};

[[nodiscard]] nlohmann::json header_to_json(const JournalHeader& h);
// Throws DataError for a line that is not a journal header.
[[nodiscard]] JournalHeader header_from_json(const nlohmann::json& j);

// Where journals live: $PROMKIT_STATE_DIR, else $XDG_STATE_HOME/promkit/journals, else
// $HOME/.local/state/promkit/journals. Empty strings mean "not set". Throws UsageError when none
// of them is set.
struct StateEnv {
  std::string promkit_state_dir;
  std::string xdg_state_home;
  std::string home;
};
[[nodiscard]] std::string journal_dir(const StateEnv& env);

// A new administration id: UTC time plus random hex ("20250101T101010Z-3f9a1c"); ids sort by
// start time.
[[nodiscard]] std::string new_administration_id();
// The current time, UTC, ISO 8601 ("2025-01-01T10:10:10Z").
[[nodiscard]] std::string utc_now();

struct JournalContents {
  JournalHeader header;
  std::vector<nlohmann::json> events;
  bool torn_tail = false;  // the last line was incomplete (a crash mid-write); it was ignored
};

// Reads a journal. A last line that does not parse is ignored (torn_tail); any other bad line,
// or a missing header, is a DataError.
[[nodiscard]] JournalContents read_journal(const std::string& path);

class Journal {
 public:
  // Creates <dir>/<header.id>.journal (the directory with mode 0700, the file 0600), writes the
  // header and syncs file and directory. Throws Error on I/O failure.
  static Journal create(const std::string& dir, const JournalHeader& header);
  // Opens an existing journal to append to it. Takes an exclusive lock: a journal another
  // promkit process is using is an Error.
  static Journal open(const std::string& path);

  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&& other) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

  // Appends one event as one line with a single write, then fsync. Throws Error on failure.
  void append(const nlohmann::json& event);
  // Deletes the file (after the result is safely written) and syncs the directory.
  void remove();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  Journal(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

// One unfinished administration, for --unfinished and --resume without an id.
struct JournalSummary {
  std::string path;
  JournalHeader header;
  int answers = 0;  // answer and skip events
  bool confirmed = false;
  std::vector<std::string> flags;  // critical flags shown ("<instrument>.<flag>")
  bool readable = true;
  std::string problem;  // why not readable
};

// Every *.journal file in `dir`, oldest first (a missing directory is an empty list).
[[nodiscard]] std::vector<JournalSummary> list_journals(const std::string& dir);

}  // namespace promkit
