#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <doctest/doctest.h>

#include "promkit/definition/registry.hpp"
#include "promkit/util/error.hpp"

#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

using promkit_test::TempDir;

// A valid one-item definition with this id and name.
std::string definition(std::string_view id, std::string_view name) {
  const std::string i(id);
  return "schema = 1\nid = \"" + i + "\"\nname = \"" + std::string(name) +
         "\"\nversion = \"1.0.0\"\nlanguage = \"en\"\n\n[licence]\nname = \"CC0\"\n"
         "text_allowed = true\n\n[[items]]\nid = \"" +
         i +
         "_1\"\ntext = \"Question\"\noptions = [\n  { code = 0, label = \"No\" },\n"
         "  { code = 1, label = \"Yes\" },\n]\n\n[[scales]]\nid = \"total\"\nname = "
         "\"Total\"\nmethod = \"sum\"\nitems = [\"" +
         i + "_1\"]\ndirection = \"higher_is_worse\"\n";
}

std::vector<promkit::SearchDir> dirs(std::initializer_list<const TempDir*> ds) {
  std::vector<promkit::SearchDir> out;
  for (const TempDir* d : ds) {
    out.push_back({d->str(), "--instruments"});
  }
  return out;
}

}  // namespace

TEST_SUITE("registry") {
  TEST_CASE("The search path puts command line directories then PROMKIT_PATH then bundled") {
    const auto path =
        promkit::instrument_search_path({"/cli/a", "/cli/b"}, "/env/c::/env/d:", "/bundled");
    REQUIRE(path.size() == 5);
    CHECK(path[0].path == "/cli/a");
    CHECK(path[0].origin == "--instruments");
    CHECK(path[1].path == "/cli/b");
    CHECK(path[1].origin == "--instruments");
    CHECK(path[2].path == "/env/c");
    CHECK(path[2].origin == "PROMKIT_PATH");
    CHECK(path[3].path == "/env/d");
    CHECK(path[3].origin == "PROMKIT_PATH");
    CHECK(path[4].path == "/bundled");
    CHECK(path[4].origin == "bundled");
  }

  TEST_CASE("The search path skips empty PROMKIT_PATH entries and an empty bundled directory") {
    auto path = promkit::instrument_search_path({}, "", "/bundled");
    REQUIRE(path.size() == 1);
    CHECK(path[0].origin == "bundled");
    path = promkit::instrument_search_path({}, ":::", "/bundled");
    REQUIRE(path.size() == 1);
    path = promkit::instrument_search_path({"/x"}, ":/y", "");
    REQUIRE(path.size() == 2);
    CHECK(path[0].path == "/x");
    CHECK(path[1].path == "/y");
    CHECK(path[1].origin == "PROMKIT_PATH");
  }

  TEST_CASE("The bundled instruments directory is not empty") {
    CHECK_FALSE(promkit::bundled_instruments_dir().empty());
  }

  TEST_CASE("Registry get finds a definition by id in a directory") {
    const TempDir dir;
    dir.write("alpha.toml", definition("alpha", "Alpha"));
    dir.write("beta.toml", definition("beta", "Beta"));
    promkit::Registry reg(dirs({&dir}));
    const auto ins = reg.get("alpha");
    REQUIRE(ins != nullptr);
    CHECK(ins->id == "alpha");
    CHECK(ins->name == "Alpha");
    CHECK(ins->path == (dir.path() / "alpha.toml").string());
    // Asking again gives the cached instrument.
    CHECK(reg.get("alpha") == ins);
  }

  TEST_CASE("Registry get finds an id whose file has another name") {
    const TempDir dir;
    dir.write("some_file.toml", definition("gamma", "Gamma"));
    promkit::Registry reg(dirs({&dir}));
    const auto ins = reg.get("gamma");
    REQUIRE(ins != nullptr);
    CHECK(ins->id == "gamma");
  }

  TEST_CASE("An earlier directory hides a later one with the same id") {
    const TempDir first;
    const TempDir second;
    first.write("alpha.toml", definition("alpha", "First alpha"));
    second.write("alpha.toml", definition("alpha", "Second alpha"));
    second.write("beta.toml", definition("beta", "Beta"));
    promkit::Registry reg(dirs({&first, &second}));
    CHECK(reg.get("alpha")->name == "First alpha");
    CHECK(reg.get("beta")->name == "Beta");

    promkit::Registry reversed(dirs({&second, &first}));
    CHECK(reversed.get("alpha")->name == "Second alpha");

    const auto cat = reg.catalog();
    REQUIRE(cat.size() == 3);
    CHECK(cat[0].id == "alpha");
    CHECK_FALSE(cat[0].hidden);
    CHECK(cat[0].path == (first.path() / "alpha.toml").string());
    CHECK(cat[1].id == "alpha");
    CHECK(cat[1].hidden);
    CHECK(cat[1].path == (second.path() / "alpha.toml").string());
    CHECK(cat[2].id == "beta");
    CHECK_FALSE(cat[2].hidden);
  }

  TEST_CASE("An earlier directory hides a later one even when the file names differ") {
    const TempDir first;
    const TempDir second;
    first.write("my_alpha.toml", definition("alpha", "First alpha"));
    second.write("other_alpha.toml", definition("alpha", "Second alpha"));
    promkit::Registry reg(dirs({&first, &second}));
    CHECK(reg.get("alpha")->name == "First alpha");
  }

  TEST_CASE("An earlier directory hides a later file named after the id") {
    const TempDir first;
    const TempDir second;
    first.write("my_alpha.toml", definition("alpha", "First alpha"));
    second.write("alpha.toml", definition("alpha", "Second alpha"));
    promkit::Registry reg(dirs({&first, &second}));
    const auto cat = reg.catalog();
    REQUIRE(cat.size() == 2);
    CHECK(cat[0].path == (first.path() / "my_alpha.toml").string());
    CHECK_FALSE(cat[0].hidden);
    CHECK(cat[1].hidden);
    CHECK(reg.get("alpha")->name == "First alpha");
  }

  TEST_CASE("Registry get of a path ending in toml loads that file") {
    const TempDir dir;
    dir.write("anything.toml", definition("delta", "Delta"));
    promkit::Registry reg({});
    const auto ins = reg.get((dir.path() / "anything.toml").string());
    REQUIRE(ins != nullptr);
    CHECK(ins->id == "delta");
    CHECK_THROWS_AS((void)reg.get((dir.path() / "missing.toml").string()),
                    promkit::DefinitionError);
  }

  TEST_CASE("Registry get of an unknown id is a usage error suggesting close ids") {
    const TempDir dir;
    dir.write("alpha.toml", definition("alpha", "Alpha"));
    dir.write("alpha2.toml", definition("alpha2", "Alpha 2"));
    dir.write("beta.toml", definition("beta", "Beta"));
    promkit::Registry reg(dirs({&dir}));
    CHECK_THROWS_WITH_AS(
        (void)reg.get("nope"),
        "unknown instrument 'nope'; 'promkit list' shows the instruments available",
        promkit::RequestError);
    CHECK_THROWS_WITH_AS((void)reg.get("alpa"),
                         "unknown instrument 'alpa' (did you mean alpha or alpha2?); 'promkit "
                         "list' shows the instruments available",
                         promkit::RequestError);
    promkit::Registry empty({});
    CHECK_THROWS_AS((void)empty.get("nope"), promkit::RequestError);
  }

  TEST_CASE("Registry get of a broken definition is a definition error") {
    const TempDir dir;
    dir.write("broken.toml", "schema = 1\nid = \"broken\"\n");
    promkit::Registry reg(dirs({&dir}));
    CHECK_THROWS_AS((void)reg.get("broken"), promkit::DefinitionError);
  }

  TEST_CASE("The catalog reports a broken file and still lists the good ones") {
    const TempDir dir;
    dir.write("alpha.toml", definition("alpha", "Alpha"));
    dir.write("broken.toml", "schema = 1\nid = \"broken\"\nname = = 3\n");
    dir.write("zeta.toml", definition("zeta", "Zeta"));
    dir.write("notes.txt", "not a definition");
    promkit::Registry reg(dirs({&dir}));
    const auto cat = reg.catalog();
    REQUIRE(cat.size() == 3);
    int good = 0;
    int broken = 0;
    for (const auto& e : cat) {
      CHECK(e.origin == "--instruments");
      if (e.instrument) {
        ++good;
        CHECK(e.problems.empty());
        CHECK(e.id == e.instrument->id);
      } else {
        ++broken;
        CHECK(e.id.empty());
        CHECK(e.path == (dir.path() / "broken.toml").string());
        REQUIRE_FALSE(e.problems.empty());
        CHECK(e.problems[0].pos.path == e.path);
        CHECK(e.problems[0].pos.line == 3);
        CHECK(e.problems[0].message.find("TOML syntax") == 0);
      }
    }
    CHECK(good == 2);
    CHECK(broken == 1);
    // The good ones can still be fetched, and the listing of known ids leaves the broken one out.
    CHECK(reg.get("zeta")->name == "Zeta");
    // A broken file is never suggested: "zetb" is close to the good "zeta" only.
    CHECK_THROWS_WITH_AS((void)reg.get("zetb"), doctest::Contains("(did you mean zeta?)"),
                         promkit::RequestError);
  }

  TEST_CASE("A directory that does not exist is skipped") {
    const TempDir dir;
    dir.write("alpha.toml", definition("alpha", "Alpha"));
    promkit::Registry reg(
        {{(dir.path() / "no_such_dir").string(), "PROMKIT_PATH"}, {dir.str(), "bundled"}});
    CHECK(reg.catalog().size() == 1);
    CHECK(reg.get("alpha")->id == "alpha");
  }
}
