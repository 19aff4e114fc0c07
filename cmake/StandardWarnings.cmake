# One INTERFACE target carries the warning flags (and, optionally, sanitizers);
# every target of our own links it, nothing else sets warning flags.
add_library(asp_warnings INTERFACE)
target_compile_options(asp_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual
  -Wformat=2 -Wimplicit-fallthrough)
if(ASP_WERROR)
  target_compile_options(asp_warnings INTERFACE -Werror)
endif()
if(ASP_SANITIZE)
  target_compile_options(asp_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
    -fno-sanitize-recover=undefined)
  target_link_options(asp_warnings INTERFACE -fsanitize=address,undefined)
endif()
