# Shared libraries of tasks (WEFT_REMOTE functions) that a worker loads with --load, and the
# executables that host them. A process must hold exactly ONE copy of weft (one registry of
# functions, one runtime), so a task library does not link weft at all: its references to
# weft resolve, when it is loaded, to the copy inside the executable, which links weft
# whole (every object, so nothing a library may need is left out) and exports its symbols
# (-rdynamic). See docs/design-notes.md, "Libraries of tasks".

set(WEFT_PUBLIC_INCLUDE_DIR ${PROJECT_SOURCE_DIR}/include)

# weft_add_task_library(name sources...): a SHARED library compiled against weft's headers
# that leaves weft's symbols undefined, to be bound to the loading executable's copy.
function(weft_add_task_library name)
  add_library(${name} SHARED ${ARGN})
  target_include_directories(${name} PRIVATE ${WEFT_PUBLIC_INCLUDE_DIR})
  target_link_libraries(${name} PRIVATE weft_warnings Threads::Threads)
endfunction()

# weft_host_task_libraries(target): `target` links weft whole and exports it, so that task
# libraries it links or dlopens use its copy of weft.
function(weft_host_task_libraries target)
  set_target_properties(${target} PROPERTIES ENABLE_EXPORTS ON)
  target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,weft::weft>")
endfunction()
