# Unity batches for the hub's and the plugins' libraries and modules.
#
# A cold build compiled the hub's and plugins' sources one by one in about
# 1,380 s of CPU (clang, Debug, with the precompiled headers), most of it
# parsing the hub's own headers and instantiating nlohmann/json, fmt and
# the standard library again for every file. WASL_UNITY_BUILD compiles the
# sources of each such target in batches of WASL_UNITY_BATCH_SIZE files, one
# compiler run each (CMake's UNITY_BUILD). Functions, types and constants at
# file scope (anonymous namespaces too) then share one translation unit with
# the other files of the batch, so two sources of one target never define
# the same file-scope name. scripts/check-tidy still checks every source
# alone: it expands each batch of compile_commands.json into the command
# CMake writes for the source when the target is not batched.
# -DWASL_UNITY_BUILD=OFF compiles every source alone (a quicker rebuild
# after editing one file).
option(WASL_UNITY_BUILD "Compile the hub's and plugins' sources in unity batches" ON)
set(WASL_UNITY_BATCH_SIZE 8 CACHE STRING "Hub and plugin sources in one unity batch")

# wasl_unity_build(<dir>…): batches the sources of every library and module
# defined in the directories given and below.
function(wasl_unity_build)
  if(NOT WASL_UNITY_BUILD)
    return()
  endif()
  foreach(dir ${ARGN})
    wasl_collect_targets(targets ${dir})
    foreach(target ${targets})
      get_target_property(type ${target} TYPE)
      if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY)$")
        set_target_properties(${target} PROPERTIES
          UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${WASL_UNITY_BATCH_SIZE})
      endif()
    endforeach()
  endforeach()
endfunction()
