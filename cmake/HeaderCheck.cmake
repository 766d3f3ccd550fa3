# baton_header_check: compiles every header under include/ and src/ on its own, so that each one
# includes what it uses. One generated .cc per header, each holding just the #include.
file(GLOB_RECURSE baton_checked_headers CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/include/*.h ${PROJECT_SOURCE_DIR}/src/*.h)
set(baton_header_check_sources "")
foreach(header ${baton_checked_headers})
  file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${header})
  if(relative MATCHES "^include/")
    string(REGEX REPLACE "^include/" "" include_name ${relative})
  else()
    set(include_name ${relative})
  endif()
  string(MAKE_C_IDENTIFIER ${relative} stem)
  set(generated ${PROJECT_BINARY_DIR}/header_check/${stem}.cc)
  file(CONFIGURE OUTPUT ${generated} CONTENT "#include \"${include_name}\"  // IWYU pragma: keep\n")
  list(APPEND baton_header_check_sources ${generated})
endforeach()
add_library(baton_header_check OBJECT ${baton_header_check_sources})
target_link_libraries(baton_header_check PRIVATE baton_base baton::warnings)
