# Script mode (cmake -P), run after each link of a unit test binary by datasync_gtest_suites
# (GTestSuites.cmake): lists the binary's tests and writes OUTPUT, the CTest script that registers one test
# per suite (or per parameter of a value-parameterized suite with several tests).
# Inputs (-D): TARGET, EXECUTABLE, WORKING_DIRECTORY, LABELS ('|'-separated), OUTPUT.
cmake_minimum_required(VERSION 3.25)

execute_process(
  COMMAND "${EXECUTABLE}" --gtest_list_tests
  WORKING_DIRECTORY "${WORKING_DIRECTORY}"
  TIMEOUT 60
  OUTPUT_VARIABLE listing
  ERROR_VARIABLE errors
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${EXECUTABLE} --gtest_list_tests failed (${result}):\n${listing}\n${errors}")
endif()

# "Suite." lines, then "  Test" lines; "  # GetParam() = ..." comments go (they may hold any character).
string(REGEX REPLACE "[ ]+#[^\n]*" "" listing "${listing}")
string(REPLACE ";" "" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")

set(suites "")
set(suite "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ].*)\\.$")
    set(suite "${CMAKE_MATCH_1}")
    list(APPEND suites "${suite}")
    set("tests_${suite}" "")
  elseif(line MATCHES "^  +([^ ]+)$" AND NOT suite STREQUAL "")
    set(test "${CMAKE_MATCH_1}")
    # Disabled tests do not run under a suite's filter either.
    if(NOT test MATCHES "^DISABLED_" AND NOT suite MATCHES "(^|/)DISABLED_")
      list(APPEND "tests_${suite}" "${test}")
    endif()
  endif()
endforeach()

string(REPLACE "|" ";" labels "${LABELS}")
set(script "")
set(count 0)
macro(add_suite_test name filter)
  string(APPEND script
         "add_test([==[${TARGET}.${name}]==] \"${EXECUTABLE}\" [==[--gtest_filter=${filter}]==])\n"
         "set_tests_properties([==[${TARGET}.${name}]==] PROPERTIES WORKING_DIRECTORY \"${WORKING_DIRECTORY}\""
         " LABELS \"${labels}\")\n")
  math(EXPR count "${count} + 1")
endmacro()

foreach(suite IN LISTS suites)
  set(tests "${tests_${suite}}")
  if("${tests}" STREQUAL "")
    continue()  # only disabled tests
  endif()
  # Value-parameterized tests are named Test/parameter (parameter names are letters, digits and '_').
  set(bases "")
  set(params "")
  set(all_parameterized TRUE)
  foreach(test IN LISTS tests)
    if(test MATCHES "^(.+)/([A-Za-z0-9_]+)$")
      list(APPEND bases "${CMAKE_MATCH_1}")
      list(APPEND params "${CMAKE_MATCH_2}")
    else()
      set(all_parameterized FALSE)
    endif()
  endforeach()
  list(REMOVE_DUPLICATES bases)
  list(REMOVE_DUPLICATES params)
  list(LENGTH bases base_count)
  list(LENGTH params param_count)
  if(all_parameterized AND base_count GREATER 1 AND param_count GREATER 1)
    foreach(param IN LISTS params)
      add_suite_test("${suite}/${param}" "${suite}.*/${param}")
    endforeach()
  else()
    add_suite_test("${suite}" "${suite}.*")
  endif()
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "${EXECUTABLE} --gtest_list_tests listed no tests:\n${listing}")
endif()
file(WRITE "${OUTPUT}" "${script}")
