# promkit_sanitizers: INTERFACE target carrying ASan + UBSan flags when PROMKIT_SANITIZERS is ON
# (empty otherwise). Link it PRIVATE into every promkit target, so that executables link with the
# sanitizer runtime too.
add_library(promkit_sanitizers INTERFACE)

if(PROMKIT_SANITIZERS)
  set(_promkit_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                               -fno-omit-frame-pointer)
  target_compile_options(promkit_sanitizers INTERFACE ${_promkit_sanitizer_flags})
  target_link_options(promkit_sanitizers INTERFACE ${_promkit_sanitizer_flags})
  unset(_promkit_sanitizer_flags)
endif()

# The fuzz build instruments every part for libFuzzer; each fuzzer executable adds
# -fsanitize=fuzzer (its main) itself (tests/fuzz/CMakeLists.txt).
if(PROMKIT_FUZZ)
  target_compile_options(promkit_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                      -fno-omit-frame-pointer)
  target_link_options(promkit_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
