# cmake -DPARTS_FILE=<promkit_parts.cmake> [-DSTAMP=<file>] -P PromkitCheckIncludes.cmake
#
# Checks every #include of every part under src/promkit/ against the walls declared with
# promkit_part() in src/CMakeLists.txt (written to PARTS_FILE):
#   "promkit/<part>/..."   only the part itself and the parts it may use (DEPS, transitively);
#   "promkit/<part>/internal/..."
#                          only the part itself: its private headers, which may include the
#                          part's PRIVATE libraries as its sources do;
#   <fmt/...>, <toml++/...>, <nlohmann/...>, <sqlite3.h>, <CLI/...>
#                          only a library the part links: in a header only a PUBLIC one, in a
#                          source PUBLIC or PRIVATE;
#   any other <name.h>     an operating-system header: only parts declared SYSTEM;
#   <name> without .h      the C++ standard library: everywhere.
# Prints every violation as file:line and fails; on success touches STAMP.
cmake_minimum_required(VERSION 3.22)

if(NOT PARTS_FILE)
  message(FATAL_ERROR "PromkitCheckIncludes.cmake: give -DPARTS_FILE=...")
endif()
include(${PARTS_FILE})

set(violations "")
foreach(part IN LISTS PARTS)
  file(GLOB files ${PART_${part}_DIR}/*.hpp ${PART_${part}_DIR}/*.cpp
       ${PART_${part}_DIR}/internal/*.hpp ${PART_${part}_DIR}/internal/*.cpp)
  foreach(f IN LISTS files)
    get_filename_component(ext ${f} EXT)
    # A private header (internal/) is held to the rules of a source.
    if(f MATCHES "/internal/[^/]+$")
      set(ext ".cpp")
    endif()
    file(STRINGS ${f} lines)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]")
        continue()
      endif()
      set(kind "${CMAKE_MATCH_1}")
      set(inc "${CMAKE_MATCH_2}")
      set(problem "")
      if(kind STREQUAL "\"")
        if(inc MATCHES "^promkit/([a-z_]+)/")
          set(target_part "${CMAKE_MATCH_1}")
          if(NOT target_part IN_LIST PART_${part}_ALLOWED)
            set(problem
                "part '${part}' may not include '${inc}' (it may use: ${PART_${part}_ALLOWED})")
          elseif(inc MATCHES "^promkit/[a-z_]+/internal/" AND NOT target_part STREQUAL part)
            set(problem "'${inc}' is private to part '${target_part}'")
          endif()
        else()
          set(problem "write promkit includes as \"promkit/<part>/<file>\", not \"${inc}\"")
        endif()
      else()
        set(lib "")
        foreach(candidate IN LISTS THIRD_PARTY_LIBS)
          string(FIND "${inc}" "${THIRD_PARTY_${candidate}}" at)
          if(at EQUAL 0)
            set(lib ${candidate})
          endif()
        endforeach()
        if(lib)
          set(ok FALSE)
          if(lib IN_LIST PART_${part}_PUBLIC)
            set(ok TRUE)
          elseif(lib IN_LIST PART_${part}_PRIVATE AND ext STREQUAL ".cpp")
            set(ok TRUE)
          endif()
          if(NOT ok)
            if(lib IN_LIST PART_${part}_PRIVATE)
              set(problem "<${inc}> is private to part '${part}': include it in a .cpp only")
            else()
              set(problem "part '${part}' does not link the library of <${inc}>")
            endif()
          endif()
        elseif(inc MATCHES "\\.h$")
          if(NOT PART_${part}_SYSTEM)
            set(problem "part '${part}' may not include the system header <${inc}>")
          endif()
        endif()
      endif()
      if(problem)
        string(APPEND violations "${f}:${n}: ${problem}\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  # NOTICE prints the lines as they are (one file:line each); FATAL_ERROR would re-wrap them.
  message(NOTICE "${violations}")
  message(FATAL_ERROR "forbidden includes (above; the walls are in src/CMakeLists.txt)")
endif()
if(STAMP)
  file(TOUCH ${STAMP})
endif()
