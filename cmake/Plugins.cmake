# Plugins: one function adds a sink, so that adding one touches its folder, one line in the registration
# list (src/app/registries.cpp), its tests and its docs (CONVENTIONS "Plugins").
#
# datasync_add_sink(<id> [OPTIONAL] SOURCES <file>... [PUBLIC <lib>...] [PRIVATE <lib>...])
#   In the sink's folder (src/storage/<id>/CMakeLists.txt): the library datasync_sink_<id>, namespace
#   datasync::storage. An OPTIONAL sink (a heavy client library) gets the cache option DATASYNC_WITH_<ID>
#   (default ON); OFF leaves the library out of the build, and the registration list and the tests
#   without it. Every sink defines DATASYNC_WITH_<ID> as 1 or 0 for the code that lists sinks.
#
# datasync_link_sinks(<target> [DEFINE_IN <source>...])
#   Links every sink this build has (call it after the sinks' folders were added). DEFINE_IN: the sources
#   that list sinks by hand (the registration list) get the DATASYNC_WITH_<ID> definitions; everything
#   else asks the registry which sinks exist, so that no other file recompiles when an option changes.
#
# datasync_if_sink(<id> <var> <item>...)
#   Appends the items to the list <var> when the build has the sink (a sink's own test sources).

function(datasync_add_sink id)
  cmake_parse_arguments(S "OPTIONAL" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  string(TOUPPER "${id}" upper)
  if(S_OPTIONAL)
    option(DATASYNC_WITH_${upper} "Build the ${id} sink" ON)
  else()
    set(DATASYNC_WITH_${upper} ON)
  endif()
  if(DATASYNC_WITH_${upper})
    set(enabled 1)
  else()
    set(enabled 0)
  endif()
  set_property(GLOBAL APPEND PROPERTY DATASYNC_SINK_DEFINITIONS DATASYNC_WITH_${upper}=${enabled})
  if(NOT enabled)
    message(STATUS "datasync: the ${id} sink is left out (DATASYNC_WITH_${upper}=OFF)")
    return()
  endif()
  add_library(datasync_sink_${id} STATIC ${S_SOURCES})
  target_link_libraries(datasync_sink_${id} PUBLIC ${S_PUBLIC} PRIVATE ${S_PRIVATE})
  datasync_target_defaults(datasync_sink_${id})
  set_property(GLOBAL APPEND PROPERTY DATASYNC_SINK_IDS ${id})
endfunction()

function(datasync_link_sinks target)
  cmake_parse_arguments(L "" "" "DEFINE_IN" ${ARGN})
  get_property(ids GLOBAL PROPERTY DATASYNC_SINK_IDS)
  get_property(definitions GLOBAL PROPERTY DATASYNC_SINK_DEFINITIONS)
  foreach(id ${ids})
    target_link_libraries(${target} PRIVATE datasync_sink_${id})
  endforeach()
  if(L_DEFINE_IN)
    set_property(SOURCE ${L_DEFINE_IN} APPEND PROPERTY COMPILE_DEFINITIONS ${definitions})
  endif()
endfunction()

function(datasync_if_sink id var)
  get_property(ids GLOBAL PROPERTY DATASYNC_SINK_IDS)
  if(id IN_LIST ids)
    list(APPEND ${var} ${ARGN})
    set(${var} ${${var}} PARENT_SCOPE)
  endif()
endfunction()
