# Warnings as errors on our own code only (call datasync_target_defaults on each of our targets).
function(datasync_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
  if(DATASYNC_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

if(DATASYNC_SANITIZE)
  add_link_options(-fsanitize=address,undefined)
endif()
