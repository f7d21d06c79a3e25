# HOPTRACE_SANITIZE=address  -> address + undefined
# HOPTRACE_SANITIZE=thread   -> thread
set(HOPTRACE_SANITIZE "" CACHE STRING "Sanitizer build: '', 'address' (address+undefined) or 'thread'")
if(HOPTRACE_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(HOPTRACE_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT HOPTRACE_SANITIZE STREQUAL "")
  message(FATAL_ERROR "HOPTRACE_SANITIZE must be '', 'address' or 'thread'")
endif()
