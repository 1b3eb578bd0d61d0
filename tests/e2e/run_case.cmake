cmake_minimum_required(VERSION 3.22) # P19: without it, "@DATA@" in strings would be expanded

# End-to-end test driver: runs the promkit binary for one case directory and compares its exit
# code, stdout and stderr byte for byte with the expected files.
#
#   cmake -DBIN=<promkit> -DCASE=<case dir> -DDATA=<tests/data> -DROOT=<project root>
#         -DOUTDIR=<per-case build dir> -P run_case.cmake
#
# A case directory holds:
#   args    one argument per line. Every line is one argument, exactly as written: ';', quotes,
#           '$', '\' and spaces are literal, an empty line is an empty argument; only the final
#           newline ends the list (and a trailing '\r' is dropped, for files edited on Windows).
#   rc      the expected exit code.
#   stdout  the expected stdout, byte for byte.
#   stderr  optional: the expected stderr, byte for byte (not checked when the file is absent).
#   stdin   optional: fed to the process verbatim (otherwise stdin is /dev/null).
#   env     optional: NAME=VALUE lines added to the environment (empty lines and '#' lines are
#           skipped; a line "--unset=NAME" removes NAME).
# In args, env, stdout and stderr the placeholders @DATA@ (the fixtures dir tests/data),
# @ROOT@ (the project root) and @OUT@ (OUTDIR, made fresh and empty for each run) are replaced.
# stdin is not substituted. Limitation: files cannot contain NUL bytes (CMake strings cannot).
#
# The process runs in @OUT@ with NO_COLOR=1 COLUMNS=80 TZ=UTC LC_ALL=C HOME=@OUT@, and with
# PROMKIT_PATH and XDG_{CONFIG,DATA,STATE,CACHE}_HOME unset; `env` can override all of these.
# The actual output is written to OUTDIR/actual.{stdout,stderr,rc}, ready to copy into the case.
#
# Smoke mode (cli.* tests): instead of CASE, pass -DSMOKE_ARG=<one argument> and either
# -DSMOKE_CONTAINS=<text> (stdout must contain it) or -DSMOKE_EQUALS=<text> (stdout must be exactly
# <text> plus a newline). Both also require exit code 0.

foreach(var BIN DATA ROOT OUTDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_case.cmake: -D${var}=... is required")
  endif()
endforeach()

# Replace @DATA@, @ROOT@ and @OUT@ in the variable named by out_var.
function(promkit_substitute out_var text)
  string(REPLACE "@DATA@" "${DATA}" text "${text}")
  string(REPLACE "@ROOT@" "${ROOT}" text "${text}")
  string(REPLACE "@OUT@" "${OUTDIR}" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Wrap text in a CMake bracket argument, which is taken literally: no list splitting on ';', no
# variable references, no escapes. Picks enough '=' that the text cannot close the bracket early.
function(promkit_bracket out_var text)
  set(eq "=")
  while(TRUE)
    # The first "]=...=]" in text + closer must be the closer itself.
    string(LENGTH "${text}" len)
    string(FIND "${text}]${eq}]" "]${eq}]" first)
    if(first EQUAL len)
      break()
    endif()
    string(APPEND eq "=")
  endwhile()
  set(${out_var} "[${eq}[${text}]${eq}]" PARENT_SCOPE)
endfunction()

# Split a file into lines without CMake list semantics. Appends one bracket argument per line to
# the string variable out_var (space separated). skip_comments: ignore empty and '#' lines.
function(promkit_read_lines out_var path skip_comments)
  file(READ "${path}" content)
  set(result "")
  while(NOT content STREQUAL "")
    string(FIND "${content}" "\n" nl)
    if(nl EQUAL -1)
      set(line "${content}")
      set(content "")
    else()
      string(SUBSTRING "${content}" 0 ${nl} line)
      math(EXPR rest_begin "${nl} + 1")
      string(SUBSTRING "${content}" ${rest_begin} -1 content)
    endif()
    string(REGEX REPLACE "\r$" "" line "${line}")
    if(skip_comments AND (line STREQUAL "" OR line MATCHES "^#"))
      continue()
    endif()
    promkit_substitute(line "${line}")
    promkit_bracket(line "${line}")
    string(APPEND result " ${line}")
  endwhile()
  set(${out_var} "${result}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${OUTDIR}")
file(MAKE_DIRECTORY "${OUTDIR}")

set(env_args "--unset=PROMKIT_PATH --unset=XDG_CONFIG_HOME --unset=XDG_DATA_HOME")
string(APPEND env_args " --unset=XDG_STATE_HOME --unset=XDG_CACHE_HOME")
string(APPEND env_args " NO_COLOR=1 COLUMNS=80 TZ=UTC LC_ALL=C")
promkit_bracket(home_arg "HOME=${OUTDIR}")
string(APPEND env_args " ${home_arg}")

set(stdin_file /dev/null)
set(check_stderr FALSE)

if(DEFINED SMOKE_ARG)
  set(label "${SMOKE_ARG}")
  promkit_bracket(prog_args "${SMOKE_ARG}")
  set(prog_args " ${prog_args}")
  set(expected_rc 0)
else()
  if(NOT DEFINED CASE)
    message(FATAL_ERROR "run_case.cmake: -DCASE=<case dir> (or -DSMOKE_ARG=...) is required")
  endif()
  set(label "${CASE}")
  foreach(required args rc stdout)
    if(NOT EXISTS "${CASE}/${required}")
      message(FATAL_ERROR "run_case.cmake: ${CASE}/${required} is missing")
    endif()
  endforeach()
  promkit_read_lines(prog_args "${CASE}/args" FALSE)
  file(READ "${CASE}/rc" expected_rc)
  string(STRIP "${expected_rc}" expected_rc)
  file(READ "${CASE}/stdout" expected_stdout)
  promkit_substitute(expected_stdout "${expected_stdout}")
  if(EXISTS "${CASE}/stderr")
    set(check_stderr TRUE)
    file(READ "${CASE}/stderr" expected_stderr)
    promkit_substitute(expected_stderr "${expected_stderr}")
  endif()
  if(EXISTS "${CASE}/stdin")
    set(stdin_file "${CASE}/stdin")
  endif()
  if(EXISTS "${CASE}/env")
    promkit_read_lines(extra_env "${CASE}/env" TRUE)
    string(APPEND env_args "${extra_env}")
  endif()
endif()

# Run through a generated script so that every argument is a literal bracket argument.
promkit_bracket(cmake_arg "${CMAKE_COMMAND}")
promkit_bracket(bin_arg "${BIN}")
promkit_bracket(stdin_arg "${stdin_file}")
promkit_bracket(outdir_arg "${OUTDIR}")
set(run_script "${OUTDIR}.run.cmake")
file(WRITE "${run_script}" "execute_process(
  COMMAND ${cmake_arg} -E env ${env_args} ${bin_arg}${prog_args}
  WORKING_DIRECTORY ${outdir_arg}
  INPUT_FILE ${stdin_arg}
  OUTPUT_VARIABLE actual_stdout
  ERROR_VARIABLE actual_stderr
  RESULT_VARIABLE actual_rc)
")
include("${run_script}")

file(WRITE "${OUTDIR}/actual.stdout" "${actual_stdout}")
file(WRITE "${OUTDIR}/actual.stderr" "${actual_stderr}")
file(WRITE "${OUTDIR}/actual.rc" "${actual_rc}\n")

find_program(PROMKIT_DIFF diff)

# Appends an "expected vs got" report for one stream to the variable `report`.
function(promkit_report_mismatch stream expected actual)
  set(text "\n=== ${stream} differs ===\n--- expected ${stream} ---\n${expected}")
  string(APPEND text "<<< end of expected ${stream}\n--- got ${stream} ---\n${actual}")
  string(APPEND text "<<< end of got ${stream}\n")
  if(PROMKIT_DIFF)
    file(WRITE "${OUTDIR}/expected.${stream}" "${expected}")
    execute_process(COMMAND ${PROMKIT_DIFF} -u --label expected.${stream} --label actual.${stream}
                            "${OUTDIR}/expected.${stream}" "${OUTDIR}/actual.${stream}"
                    OUTPUT_VARIABLE diff_text)
    string(APPEND text "--- diff -u expected got ---\n${diff_text}")
  endif()
  set(report "${report}${text}" PARENT_SCOPE)
endfunction()

set(report "")
if(NOT "${actual_rc}" STREQUAL "${expected_rc}")
  string(APPEND report "\n=== exit code differs: expected ${expected_rc}, got ${actual_rc} ===\n")
  if(NOT check_stderr AND NOT "${actual_stderr}" STREQUAL "")
    string(APPEND report "--- stderr (not checked) ---\n${actual_stderr}<<< end of stderr\n")
  endif()
endif()

if(DEFINED SMOKE_ARG)
  if(DEFINED SMOKE_EQUALS AND NOT "${actual_stdout}" STREQUAL "${SMOKE_EQUALS}\n")
    promkit_report_mismatch(stdout "${SMOKE_EQUALS}\n" "${actual_stdout}")
  endif()
  if(DEFINED SMOKE_CONTAINS)
    string(FIND "${actual_stdout}" "${SMOKE_CONTAINS}" found)
    if(found EQUAL -1)
      string(APPEND report "\n=== stdout does not contain \"${SMOKE_CONTAINS}\" ===\n")
      string(APPEND report "--- got stdout ---\n${actual_stdout}<<< end of got stdout\n")
    endif()
  endif()
else()
  if(NOT "${actual_stdout}" STREQUAL "${expected_stdout}")
    promkit_report_mismatch(stdout "${expected_stdout}" "${actual_stdout}")
  endif()
  if(check_stderr AND NOT "${actual_stderr}" STREQUAL "${expected_stderr}")
    promkit_report_mismatch(stderr "${expected_stderr}" "${actual_stderr}")
  endif()
endif()

if(NOT report STREQUAL "")
  message("${report}")
  message(FATAL_ERROR "case ${label} failed; actual output saved in ${OUTDIR}/actual.*")
endif()
