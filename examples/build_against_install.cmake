# cmake -P script: install the SDK from BUILD_DIR into WORK_DIR/prefix, then configure, build and
# run the example at EXAMPLE_DIR against it (OTEL_TRACES_EXPORTER=none, so it needs no server).
foreach(var BUILD_DIR EXAMPLE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${cmd}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
# Make sure the library is up to date, then install only the SDK component.
run(${CMAKE_COMMAND} --build ${BUILD_DIR} --target hoptrace_sdk)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --component hoptrace_sdk --prefix ${prefix})
foreach(f include/hoptrace/hoptrace.h include/hoptrace/genai.h lib/libhoptrace.a
          lib/cmake/hoptrace/hoptraceConfig.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

set(launcher "")
if(CCACHE)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
set(compiler "")
if(CXX_COMPILER)
  set(compiler -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
run(${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} ${launcher} ${compiler})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_COMMAND} -E env OTEL_TRACES_EXPORTER=none ${WORK_DIR}/build/minimal_agent)
message(STATUS "example built against ${prefix} and ran:\n${last_output}")
