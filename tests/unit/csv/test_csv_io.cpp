#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/csv/csv_io.hpp"
#include "promkit/util/error.hpp"

#include "support/inputs.hpp"
#include <unistd.h>

// Show both sides of a failed comparison of parsed records.
namespace doctest {
template <>
struct StringMaker<std::vector<std::vector<std::string>>> {
  static String convert(const std::vector<std::vector<std::string>>& rows) {
    std::string s = "\n";
    for (const auto& row : rows) {
      s += " ";
      for (const auto& f : row) {
        s += " [" + f + "]";
      }
      s += "\n";
    }
    return String(s.c_str());
  }
};
}  // namespace doctest

namespace {

using promkit::ChunkReader;
using promkit::CsvParser;
using promkit::CsvRecord;

using promkit_test::TempInput;

// Records and quoted fields cut across many short reads.
class SlowPipe : public promkit_test::PipeInput {
 public:
  SlowPipe(std::string content, std::size_t piece)
      : PipeInput(std::move(content), piece, std::chrono::milliseconds(2)) {}
};

struct Chunk {
  std::string data;
  std::uint64_t first_line = 0;
};

std::vector<Chunk> read_chunks(int fd, std::size_t target, std::size_t max_record = 1 << 20) {
  ChunkReader reader(fd, target, max_record);
  std::vector<Chunk> chunks;
  Chunk c;
  while (reader.next(c.data, c.first_line)) {
    chunks.push_back(c);
  }
  return chunks;
}

std::uint64_t count_lf(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s) {
    n += c == '\n' ? 1 : 0;
  }
  return n;
}

// Every chunk holds whole records, starts on the line after the previous chunk's last line, and
// the chunks put together give back the input.
void check_chunks(const std::vector<Chunk>& chunks, std::string_view expected) {
  std::string joined;
  std::uint64_t line = 1;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CAPTURE(i);
    CHECK(chunks[i].first_line == line);
    CHECK_FALSE(chunks[i].data.empty());
    if (i + 1 < chunks.size()) {
      CHECK(chunks[i].data.back() == '\n');
    }
    CsvParser parser(chunks[i].data, ',', chunks[i].first_line);
    CsvRecord rec;
    while (parser.next(rec)) {
      CHECK(rec.error.empty());
    }
    line += count_lf(chunks[i].data);
    joined += chunks[i].data;
  }
  CHECK(joined == expected);
}

// All records of `text` parsed as one chunk.
std::vector<CsvRecord> parse_all(std::string_view text, char delim = ',') {
  CsvParser parser(text, delim, 1);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  while (parser.next(rec)) {
    out.push_back(rec);  // the views point into `text` or the parser's scratch: copy them
  }
  return out;
}

// Fields as strings (record views only live until the next call of CsvParser::next).
std::vector<std::vector<std::string>> parse_fields(std::string_view text, char delim = ',') {
  CsvParser parser(text, delim, 1);
  std::vector<std::vector<std::string>> out;
  CsvRecord rec;
  while (parser.next(rec)) {
    out.emplace_back(rec.fields.begin(), rec.fields.end());
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

std::string field(std::string_view value, bool sanitize = true) {
  std::string out;
  promkit::append_csv_field(out, value, sanitize);
  return out;
}

// Records whose quoted fields hold commas, doubled quotes and line feeds.
const std::string kQuotedRecords =
    "id,note,score\n"
    "1,\"a, b\",3\n"
    "2,\"he said \"\"no\"\"\",4\n"
    "3,\"first line\nsecond line\nthird\",5\n"
    "4,plain,6\n"
    "5,\"x\",\"multi\nline\"\n"
    "6,\"\",7\n";

}  // namespace

TEST_SUITE("csv_io") {
  TEST_CASE("chunk reader returns the whole file from a temporary file") {
    TempInput in(kQuotedRecords);
    const auto chunks = read_chunks(in.fd(), 16);
    REQUIRE_FALSE(chunks.empty());
    check_chunks(chunks, kQuotedRecords);
  }

  TEST_CASE("chunk reader cuts records read in small pieces from a pipe at record boundaries") {
    std::string text = "id,note\n";
    for (int i = 0; i < 40; ++i) {
      text += std::to_string(i) + ",\"quoted\nnewline " + std::to_string(i) + "\"\n";
    }
    SlowPipe pipe(text, 7);
    const auto chunks = read_chunks(pipe.fd(), 16);
    CHECK(chunks.size() > 1);
    check_chunks(chunks, text);
  }

  TEST_CASE("chunk reader keeps a quoted newline that arrives across reads in one record") {
    // Pieces of 5 bytes: the quoted line feed and both quotes arrive in different reads.
    const std::string text = "a,b\n1,\"xx\nyy\nzz\"\n2,3\n";
    SlowPipe pipe(text, 5);
    const auto chunks = read_chunks(pipe.fd(), 1);
    check_chunks(chunks, text);
    // Whatever the cut, the record on line 2 ends on line 4 and the next starts on line 5.
    std::vector<std::uint64_t> starts;
    for (const auto& c : chunks) {
      CsvParser parser(c.data, ',', c.first_line);
      CsvRecord rec;
      while (parser.next(rec)) {
        starts.push_back(rec.line);
        if (rec.line == 2) {
          CHECK(rec.end_line == 4);
          REQUIRE(rec.fields.size() == 2);
          CHECK(rec.fields[1] == "xx\nyy\nzz");
        }
      }
    }
    CHECK(starts == std::vector<std::uint64_t>{1, 2, 5});
  }

  TEST_CASE("chunk reader strips a utf8 byte order mark at the start only") {
    const std::string body = "a,b\n1,2\n";
    TempInput in("\xEF\xBB\xBF" + body + "\xEF\xBB\xBF,x\n");
    const auto chunks = read_chunks(in.fd(), 1 << 16);
    REQUIRE(chunks.size() == 1);
    CHECK(chunks[0].data == body + "\xEF\xBB\xBF,x\n");
    CHECK(chunks[0].first_line == 1);
  }

  TEST_CASE("chunk reader strips a byte order mark split across reads") {
    const std::string body = "\"x\ny\",b\n1,2\n";
    SlowPipe pipe("\xEF\xBB\xBF" + body, 2);
    const auto chunks = read_chunks(pipe.fd(), 1);
    check_chunks(chunks, body);
  }

  TEST_CASE("chunk reader strips a byte order mark from an input that is only a bom") {
    TempInput in("\xEF\xBB\xBF");
    CHECK(read_chunks(in.fd(), 16).empty());
  }

  TEST_CASE("chunk reader returns a last record without a trailing line feed") {
    const std::string text = "a,b\n1,2\n3,4";
    TempInput in(text);
    const auto chunks = read_chunks(in.fd(), 4);
    check_chunks(chunks, text);
    CHECK(chunks.back().data.back() == '4');
    SlowPipe pipe(text, 3);
    check_chunks(read_chunks(pipe.fd(), 4), text);
  }

  TEST_CASE("chunk reader gives nothing for an empty input") {
    TempInput in("");
    CHECK(read_chunks(in.fd(), 16).empty());
  }

  TEST_CASE("chunk reader line numbers count quoted line feeds") {
    std::string text = "h\n";
    for (int i = 0; i < 200; ++i) {
      text += "\"r" + std::to_string(i) + "\nx\"\n";
    }
    SlowPipe pipe(text, 64);
    const auto chunks = read_chunks(pipe.fd(), 16);
    check_chunks(chunks, text);
    std::uint64_t expected = 1;
    for (const auto& c : chunks) {
      CsvParser parser(c.data, ',', c.first_line);
      CsvRecord rec;
      while (parser.next(rec)) {
        CHECK(rec.line == expected);
        expected = rec.end_line + 1;
      }
    }
    CHECK(expected == 402);
  }

  TEST_CASE("chunk reader stops with a data error when a record runs past max_record") {
    std::string text = "a,b\n1,\"never closed";
    text.append(200, 'x');
    text += "\n2,3\n";
    TempInput in(text);
    ChunkReader reader(in.fd(), 16, 64);
    std::string chunk;
    std::uint64_t line = 0;
    bool threw = false;
    try {
      while (reader.next(chunk, line)) {
      }
    } catch (const promkit::DataError& e) {
      threw = true;
      CHECK(std::string(e.what()).find("unclosed double quote") != std::string::npos);
    }
    CHECK(threw);
  }

  TEST_CASE("chunk reader accepts records shorter than max_record however many there are") {
    std::string text;
    for (int i = 0; i < 100; ++i) {
      text += "row" + std::to_string(i) + ",value\n";
    }
    TempInput in(text);
    check_chunks(read_chunks(in.fd(), 16, 32), text);
  }

  TEST_CASE("chunk reader reports an unreadable descriptor as a data error") {
    ChunkReader reader(-1, 16);
    std::string chunk;
    std::uint64_t line = 0;
    CHECK_THROWS_AS((void)reader.next(chunk, line), promkit::DataError);
  }

  TEST_CASE("csv parser reads plain records with line numbers") {
    const auto recs = parse_all("a,b,c\n1,2,3\n");
    REQUIRE(recs.size() == 2);
    CHECK(recs[1].line == 2);
    CHECK(recs[1].end_line == 2);
    CHECK(parse_fields("a,b,c\n1,2,3\n") == Rows{{"a", "b", "c"}, {"1", "2", "3"}});
  }

  TEST_CASE("csv parser unquotes fields with delimiters and doubled quotes") {
    CHECK(parse_fields("\"a,b\",\"c\"\"d\",e\n") == Rows{{"a,b", "c\"d", "e"}});
    CHECK(parse_fields("\"\"\"\",\"\"\n") == Rows{{"\"", ""}});
    CHECK(parse_fields("\"only\"") == Rows{{"only"}});
  }

  TEST_CASE("csv parser keeps line feeds inside quotes and numbers the lines") {
    CsvParser parser(kQuotedRecords, ',', 1);
    CsvRecord rec;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    std::vector<std::string> notes;
    while (parser.next(rec)) {
      CHECK(rec.error.empty());
      REQUIRE(rec.fields.size() == 3);
      spans.emplace_back(rec.line, rec.end_line);
      notes.emplace_back(rec.fields[1]);
      if (rec.line == 8) {
        CHECK(rec.fields[2] == "multi\nline");
      }
    }
    CHECK(spans == std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                       {1, 1}, {2, 2}, {3, 3}, {4, 6}, {7, 7}, {8, 9}, {10, 10}});
    CHECK(notes[1] == "a, b");
    CHECK(notes[2] == "he said \"no\"");
    CHECK(notes[3] == "first line\nsecond line\nthird");
    CHECK(notes[6].empty());
    CHECK(parser.line() == 11);
    CHECK(parser.position() == kQuotedRecords.size());
  }

  TEST_CASE("csv parser starts numbering at the chunk's first line") {
    CsvParser parser("x\ny\n", ',', 41);
    CsvRecord rec;
    REQUIRE(parser.next(rec));
    CHECK(rec.line == 41);
    REQUIRE(parser.next(rec));
    CHECK(rec.line == 42);
    CHECK_FALSE(parser.next(rec));
  }

  TEST_CASE("csv parser drops the carriage return of crlf line ends") {
    CHECK(parse_fields("a,b\r\n1,2\r\n") == Rows{{"a", "b"}, {"1", "2"}});
    CHECK(parse_fields("\"a\",\"b\"\r\n\"1\",\r\n") == Rows{{"a", "b"}, {"1", ""}});
    CHECK(parse_fields("a,b\r\n1,2\r") == Rows{{"a", "b"}, {"1", "2"}});
    // A carriage return inside quotes is data.
    CHECK(parse_fields("\"x\r\ny\"\r\n") == Rows{{"x\r\ny"}});
    const auto recs = parse_all("\"x\r\ny\"\r\nz\r\n");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].end_line == 2);
    CHECK(recs[1].line == 3);
  }

  TEST_CASE("csv parser splits on semicolon and tab delimiters") {
    CHECK(parse_fields("a;b;\"c;d\"\n1,5;2;3\n", ';') ==
          Rows{{"a", "b", "c;d"}, {"1,5", "2", "3"}});
    CHECK(parse_fields("a\tb\t\"c\td\"\n1\t\t3\n", '\t') ==
          Rows{{"a", "b", "c\td"}, {"1", "", "3"}});
  }

  TEST_CASE("csv parser keeps empty fields and a trailing delimiter") {
    CHECK(parse_fields(",,\n") == Rows{{"", "", ""}});
    CHECK(parse_fields("a,,b\n") == Rows{{"a", "", "b"}});
    CHECK(parse_fields("a,b,\n") == Rows{{"a", "b", ""}});
    CHECK(parse_fields("a,b,") == Rows{{"a", "b", ""}});
    CHECK(parse_fields("\"a\",") == Rows{{"a", ""}});
    CHECK(parse_fields("a,b,\r\n") == Rows{{"a", "b", ""}});
  }

  TEST_CASE("csv parser gives blank lines as records with no fields") {
    const auto recs = parse_all("a\n\nb\n\r\nc\n");
    REQUIRE(recs.size() == 5);
    CHECK_FALSE(recs[0].blank());
    CHECK(recs[1].blank());
    CHECK(recs[1].line == 2);
    CHECK(recs[2].line == 3);
    CHECK(recs[3].blank());
    CHECK(recs[4].line == 5);
    CHECK(recs[4].fields.size() == 1);
  }

  TEST_CASE("csv parser flags a quote inside an unquoted field and resumes at the next record") {
    const auto recs = parse_all("1,ab\"c\"d,3\n2,4,5\n");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].error.find("double quote inside an unquoted field") != std::string::npos);
    CHECK(recs[0].fields.empty());
    CHECK_FALSE(recs[0].blank());
    CHECK(recs[1].error.empty());
    CHECK(recs[1].line == 2);
    CHECK(parse_fields("1,ab\"c\"d,3\n2,4,5\n")[1] == std::vector<std::string>{"2", "4", "5"});
  }

  TEST_CASE("csv parser flags text after a closing quote and resumes at the next record") {
    const auto recs = parse_all("\"ab\"c,1\n2,3\n");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].error.find("after a closing quote") != std::string::npos);
    CHECK(recs[1].error.empty());
    CHECK(recs[1].line == 2);
    // The broken record spans a quoted line feed: the next record's line number still counts it.
    const auto spanning = parse_all("x,\"a\nb\"c\n2,3\n");
    REQUIRE(spanning.size() == 2);
    CHECK_FALSE(spanning[0].error.empty());
    CHECK(spanning[0].end_line == 2);
    CHECK(spanning[1].line == 3);
    CHECK(spanning[1].error.empty());
  }

  TEST_CASE("csv parser flags an unterminated quote that runs to the end of the chunk") {
    const auto recs = parse_all("a,b\n1,\"abc\n2,3\n");
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].line == 2);
    CHECK(recs[1].error.find("unterminated quoted field") != std::string::npos);
    CHECK(recs[1].end_line >= 3);  // 3 or 4: the unclosed quote swallowed the final line feed
  }

  TEST_CASE("detect_delimiter picks the most frequent delimiter of the header line") {
    CHECK(promkit::detect_delimiter("a,b,c\n") == ',');
    CHECK(promkit::detect_delimiter("a;b;c\r\n1,2;3") == ';');
    CHECK(promkit::detect_delimiter("a\tb\tc\n") == '\t');
    CHECK(promkit::detect_delimiter("a;b,c;d\n") == ';');
    CHECK(promkit::detect_delimiter("abc\n") == ',');
    CHECK(promkit::detect_delimiter("") == ',');
    CHECK(promkit::detect_delimiter("a,b;c\n") == ',');  // a tie goes to the comma
  }

  TEST_CASE("detect_delimiter ignores quoted text and the lines after the header") {
    CHECK(promkit::detect_delimiter("\"x;y;z\",a\n") == ',');
    CHECK(promkit::detect_delimiter("\"a,b,c\";d;e\n") == ';');
    CHECK(promkit::detect_delimiter("a;b\n1,2,3,4,5\n") == ';');
    CHECK(promkit::detect_delimiter("\"a\nb,c,d\";e;f\n") == ';');
  }

  TEST_CASE("append_csv_field quotes fields with commas quotes and line breaks") {
    CHECK(field("abc") == "abc");
    CHECK(field("") == "");
    CHECK(field("a,b") == "\"a,b\"");
    CHECK(field("he said \"hi\"") == "\"he said \"\"hi\"\"\"");
    CHECK(field("line\nbreak") == "\"line\nbreak\"");
    CHECK(field("cr\rhere") == "\"cr\rhere\"");
    CHECK(field("a;b\tc") == "a;b\tc");
    std::string out = "x,";
    promkit::append_csv_field(out, "y", true);
    CHECK(out == "x,y");
  }

  TEST_CASE("append_csv_field neutralises cells that spreadsheets would run as formulas") {
    CHECK(field("=1+1") == "'=1+1");
    CHECK(field("+44 20 7946 0000") == "'+44 20 7946 0000");
    CHECK(field("-x") == "'-x");
    CHECK(field("-") == "'-");
    CHECK(field("@SUM(A1:A2)") == "'@SUM(A1:A2)");
    CHECK(field("\tcmd") == "'\tcmd");
    CHECK(field("\rcmd") == "\"'\rcmd\"");
    CHECK(field("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    CHECK(field("-2+3+cmd|' /C calc'!A0") == "'-2+3+cmd|' /C calc'!A0");
  }

  TEST_CASE("append_csv_field leaves plain numbers and harmless text alone") {
    CHECK(field("-3") == "-3");
    CHECK(field("-1.5") == "-1.5");
    CHECK(field("+2") == "+2");
    CHECK(field("-99") == "-99");
    CHECK(field("12") == "12");
    CHECK(field("a=b") == "a=b");
    CHECK(field("'quoted'") == "'quoted'");
  }

  TEST_CASE("append_csv_field without sanitising writes formulas as they are") {
    CHECK(field("=1+1", false) == "=1+1");
    CHECK(field("@x", false) == "@x");
    CHECK(field("=a,b", false) == "\"=a,b\"");
    CHECK(field("=a,b", true) == "\"'=a,b\"");
  }

  TEST_CASE("is_plain_number accepts signed decimals only") {
    CHECK(promkit::is_plain_number("12"));
    CHECK(promkit::is_plain_number("-3"));
    CHECK(promkit::is_plain_number("4.50"));
    CHECK(promkit::is_plain_number("+5"));
    CHECK(promkit::is_plain_number("0"));
    CHECK(promkit::is_plain_number(".5"));
    CHECK(promkit::is_plain_number("1."));
    CHECK_FALSE(promkit::is_plain_number(""));
    CHECK_FALSE(promkit::is_plain_number("-"));
    CHECK_FALSE(promkit::is_plain_number("."));
    CHECK_FALSE(promkit::is_plain_number("1e5"));
    CHECK_FALSE(promkit::is_plain_number("1.2.3"));
    CHECK_FALSE(promkit::is_plain_number("12a"));
    CHECK_FALSE(promkit::is_plain_number(" 12"));
    CHECK_FALSE(promkit::is_plain_number("--1"));
    CHECK_FALSE(promkit::is_plain_number("-1+2"));
  }
}
