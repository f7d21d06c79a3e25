# hoptrace_tests(<library> [LIBS ...]): registers every *_test.cc in the calling folder as a
# gtest executable linked against <library>, so no test is silently left out.
include(GoogleTest)
function(hoptrace_tests library)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  foreach(src ${tests})
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    hoptrace_target(${name})
    target_link_libraries(${name} PRIVATE ${library} ${ARG_LIBS} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 600)
  endforeach()
endfunction()
