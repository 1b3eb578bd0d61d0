# cmake -DCHECK=<cmake/PromkitCheckIncludes.cmake> -DWORK=<dir> -P include_walls.cmake
# The include check must pass a tree that keeps its walls and fail, naming file and line, one
# that breaks each kind of wall (a part above it, a private library in a header, a library not
# linked, a system header, a promkit include without its part, another part's private header).
cmake_minimum_required(VERSION 3.22)

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/low/internal ${WORK}/high)
file(WRITE ${WORK}/parts.cmake
     "list(APPEND PARTS low high)\n"
     "set(PART_low_DIR ${WORK}/low)\nset(PART_low_ALLOWED \"low\")\n"
     "set(PART_low_PUBLIC \"fmt\")\nset(PART_low_PRIVATE \"sqlite\")\nset(PART_low_SYSTEM \"\")\n"
     "set(PART_high_DIR ${WORK}/high)\nset(PART_high_ALLOWED \"high;low\")\n"
     "set(PART_high_PUBLIC \"fmt\")\nset(PART_high_PRIVATE \"\")\nset(PART_high_SYSTEM \"TRUE\")\n"
     "set(THIRD_PARTY_LIBS fmt sqlite toml)\nset(THIRD_PARTY_fmt fmt/)\n"
     "set(THIRD_PARTY_sqlite sqlite3.h)\nset(THIRD_PARTY_toml toml++/)\n")

function(run_check expect_ok)
  execute_process(COMMAND ${CMAKE_COMMAND} -DPARTS_FILE=${WORK}/parts.cmake -P ${CHECK}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(check_output "${out}${err}" PARENT_SCOPE)
  if(expect_ok AND NOT rc EQUAL 0)
    message(FATAL_ERROR "a tree within its walls was refused:\n${out}${err}")
  elseif(NOT expect_ok AND rc EQUAL 0)
    message(FATAL_ERROR "a tree that breaks its walls passed the check")
  endif()
endfunction()

# Within the walls.
file(WRITE ${WORK}/low/a.hpp "#pragma once\n#include <vector>\n#include <fmt/format.h>\n")
file(WRITE ${WORK}/low/a.cpp "#include \"promkit/low/a.hpp\"\n#include <sqlite3.h>\n")
file(WRITE ${WORK}/low/internal/p.hpp "#pragma once\n#include <sqlite3.h>\n")
file(WRITE ${WORK}/high/b.cpp
     "#include \"promkit/high/b.hpp\"\n#include \"promkit/low/a.hpp\"\n#include <unistd.h>\n")
run_check(TRUE)

# Each kind of violation, with its file and line.
file(WRITE ${WORK}/low/a.hpp
     "#pragma once\n#include <sqlite3.h>\n#include \"promkit/high/b.hpp\"\n#include <unistd.h>\n"
     "#include <toml++/toml.h>\n#include \"a.hpp\"\n")
file(WRITE ${WORK}/high/b.cpp "#include \"promkit/low/internal/p.hpp\"\n")
run_check(FALSE)
foreach(expected "low/a.hpp:2: <sqlite3.h> is private to part 'low'"
                 "low/a.hpp:3: part 'low' may not include 'promkit/high/b.hpp'"
                 "low/a.hpp:4: part 'low' may not include the system header <unistd.h>"
                 "low/a.hpp:5: part 'low' does not link the library of <toml++/toml.h>"
                 "low/a.hpp:6: write promkit includes as"
                 "high/b.cpp:1: 'promkit/low/internal/p.hpp' is private to part 'low'")
  string(FIND "${check_output}" "${expected}" at)
  if(at LESS 0)
    message(FATAL_ERROR "the check did not report '${expected}':\n${check_output}")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK})
