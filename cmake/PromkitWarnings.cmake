# promkit_warnings: INTERFACE target carrying promkit's warning flags.
# Link it PRIVATE into promkit's own targets only, never PUBLIC.
add_library(promkit_warnings INTERFACE)

target_compile_options(
  promkit_warnings
  INTERFACE -Wall
            -Wextra
            -Wpedantic
            -Wshadow
            -Wnon-virtual-dtor
            -Wold-style-cast
            -Woverloaded-virtual
            -Wimplicit-fallthrough
            # GCC-only flags: guarded so clang builds accept them (P14). clang-tidy still sees
            # them in a GCC build's compile_commands.json; .clang-tidy adds
            # -Wno-unknown-warning-option for that.
            $<$<CXX_COMPILER_ID:GNU>:-Wlogical-op>
            $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond>
            # -Wnull-dereference has GCC 12 false positives in vector::resize (GCC bug 108860).
            $<$<CXX_COMPILER_ID:Clang>:-Wnull-dereference>)

if(PROMKIT_WARNINGS_AS_ERRORS)
  target_compile_options(promkit_warnings INTERFACE -Werror)
endif()
