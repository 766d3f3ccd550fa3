# BATON_SANITIZE=address,undefined | thread: instruments every target built after this point.
if(BATON_SANITIZE)
  add_compile_options(-fsanitize=${BATON_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${BATON_SANITIZE})
endif()

# BATON_BUILD_FUZZ: every library gets libFuzzer's coverage instrumentation plus ASan/UBSan;
# the fuzz/ executables link libFuzzer's main.
if(BATON_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "BATON_BUILD_FUZZ needs clang: CXX=clang++ cmake ...")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
