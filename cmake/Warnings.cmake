# One place for compiler warnings. Applied to every hoptrace target through hoptrace_target().
set(HOPTRACE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
option(HOPTRACE_WERROR "Treat warnings as errors" OFF)
if(HOPTRACE_WERROR)
  list(APPEND HOPTRACE_WARNINGS -Werror)
endif()

function(hoptrace_target target)
  target_compile_options(${target} PRIVATE ${HOPTRACE_WARNINGS})
endfunction()
