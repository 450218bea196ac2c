# One CTest test per GoogleTest suite, instead of gtest_discover_tests' one per TEST: a unit binary under
# ASan costs a few hundred milliseconds to start, which ~600 one-test processes paid ~600 times.
#
# datasync_gtest_suites(<target> LABELS <label>...) lists the binary's tests after every link (POST_BUILD,
# `--gtest_list_tests`, as gtest_discover_tests does) and registers, through the directory's
# TEST_INCLUDE_FILES, one test `<target>.<suite>` per suite that runs `<target> --gtest_filter=<suite>.*`.
# A value-parameterized suite whose parameters each run several tests (the sink compliance suite) becomes
# one test per parameter instead, `<target>.<suite>/<parameter>` running `--gtest_filter=<suite>.*/<parameter>`,
# so that two cores share it to the end. GoogleTest's own output names the TEST that failed
# (`ctest --output-on-failure`).
set(DATASYNC_GTEST_SUITES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/GTestSuitesAddTests.cmake)

function(datasync_gtest_suites target)
  cmake_parse_arguments(S "" "" "LABELS" ${ARGN})
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  # Labels travel to the script as one argument; '|' separates them there.
  string(REPLACE ";" "|" labels "${S_LABELS}")
  add_custom_command(
    TARGET ${target} POST_BUILD
    BYPRODUCTS "${base}_suites.cmake"
    COMMAND "${CMAKE_COMMAND}"
            -D "TARGET=${target}"
            -D "EXECUTABLE=$<TARGET_FILE:${target}>"
            -D "WORKING_DIRECTORY=${CMAKE_CURRENT_BINARY_DIR}"
            -D "LABELS=${labels}"
            -D "OUTPUT=${base}_suites.cmake"
            -P "${DATASYNC_GTEST_SUITES_SCRIPT}"
    VERBATIM)
  # A binary that was not built yet shows up as one failing test rather than silently as none.
  file(WRITE "${base}_suites_include.cmake"
       "if(EXISTS \"${base}_suites.cmake\")\n"
       "  include(\"${base}_suites.cmake\")\n"
       "else()\n"
       "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${base}_suites_include.cmake")
endfunction()
