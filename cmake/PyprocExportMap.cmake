# cmake -DNM=<nm> -DOBJECTS=<a.o|b.o|...> -DTEMPLATE=<impl/pyproc.map.in>
#       -DOUTPUT=<pyproc.map> -P PyprocExportMap.cmake
#
# Writes libpyproc.so's version script: the template with every symbol of the
# objects that the template's global patterns would export but that belongs
# to a namespace detail, each named exactly (the template says why).
string(REPLACE "|" ";" objects "${OBJECTS}")
execute_process(COMMAND ${NM} --defined-only --extern-only --demangle ${objects}
                OUTPUT_VARIABLE symbols RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${NM} failed on the library's objects")
endif()
# One list element per line; CMake lists would keep a line's [ ] together
# with the next, so brackets are set aside first.
string(REPLACE "[" "<lb>" symbols "${symbols}")
string(REPLACE "]" "<rb>" symbols "${symbols}")
string(REPLACE ";" "<sc>" symbols "${symbols}")
string(REPLACE "\n" ";" lines "${symbols}")

set(detail "")
foreach(line IN LISTS lines)
  # "0000000000000000 T pyproc::detail::Popen::kill()"
  if(NOT line MATCHES "^[0-9a-f]+ [A-Za-z] (.+)$")
    continue()
  endif()
  set(name "${CMAKE_MATCH_1}")
  if(NOT name MATCHES "^((typeinfo name|typeinfo|vtable) for )?pyproc::")
    continue()
  endif()
  # The entity's own name, before its parameters: a member of a public class
  # that takes a detail type stays exported.
  string(REGEX REPLACE "\\(.*" "" entity "${name}")
  if(entity MATCHES "::detail::")
    list(APPEND detail "${name}")
  endif()
endforeach()
list(REMOVE_DUPLICATES detail)
list(SORT detail)

set(entries "")
foreach(name IN LISTS detail)
  string(REPLACE "<lb>" "[" name "${name}")
  string(REPLACE "<rb>" "]" name "${name}")
  string(REPLACE "<sc>" ";" name "${name}")
  string(APPEND entries "      \"${name}\";\n")
endforeach()
string(REGEX REPLACE "\n$" "" PYPROC_DETAIL_SYMBOLS "${entries}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
