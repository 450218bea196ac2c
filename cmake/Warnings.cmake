# Warnings as errors on our own code only (call datasync_target_defaults on each of our targets).
function(datasync_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  # GCC 12 reports -Wrestrict false positives inside libstdc++'s string concatenation at -O3
  # (GCC bug 105329); they are not in our code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
    # ...and -Wmaybe-uninitialized false positives on inlined std::string members at -O2/-O3 (GCC bug
    # 107138 and friends): still shown, no longer fatal, in optimised builds only.
    target_compile_options(${target} PRIVATE $<$<NOT:$<CONFIG:Debug>>:-Wno-error=maybe-uninitialized>)
  endif()
  # The fuzz build is the one clang build: clang warns about things GCC does not (and the reverse); the GCC
  # builds keep warnings fatal, here they are shown only.
  if(DATASYNC_FUZZ)
    target_compile_options(${target} PRIVATE -Wno-error)
  endif()
  if(DATASYNC_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

if(DATASYNC_SANITIZE)
  add_link_options(-fsanitize=address,undefined)
  # Sanitized executables are not position independent: a PIE build carries ~3 million relative
  # relocations (UBSan's and ASan's per-check data), and applying them at every start doubled its cost
  # (datasync --version: 0.75 s and 196 MB touched as PIE, 0.35 s and 127 MB without), which the
  # end-to-end tests pay thousands of times.
  add_link_options(-no-pie)
endif()
