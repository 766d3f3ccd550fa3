# baton::warnings: the warning set for Baton's own targets, never for third-party code.
add_library(baton_warnings INTERFACE)
add_library(baton::warnings ALIAS baton_warnings)
target_compile_options(baton_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Werror)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  target_compile_options(baton_warnings INTERFACE -Wthread-safety)
endif()
