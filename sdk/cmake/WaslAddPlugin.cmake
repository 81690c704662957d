# wasl_add_plugin(<name> SOURCES <src>... [SCHEMA <schema.json>]
#                 [OUTPUT_DIRECTORY <dir>] [LIBS <target>...] [C_ABI_ONLY])
#
# Builds lib wasl_<name>.so, a module exporting only the entry points of
# wasl/sdk/abi.h (wasl_plugin_*: hidden visibility, and on Linux the version
# script wasl_plugin_exports.map beside this file, which also keeps the
# standard library's template instantiations local), with the SDK glue
# compiled in. SCHEMA is copied beside it as libwasl_<name>.schema.json, where
# the hub's loader looks for it. C_ABI_ONLY builds a plugin written against
# abi.h alone: no glue, no C++ SDK.
#
# Works the same in the Wasl tree and, after find_package(WaslSDK), in a
# vendor's own project.
include_guard(GLOBAL)

set_property(GLOBAL PROPERTY WASL_PLUGIN_VERSION_SCRIPT
  "${CMAKE_CURRENT_LIST_DIR}/wasl_plugin_exports.map")

function(wasl_add_plugin name)
  cmake_parse_arguments(ARG "C_ABI_ONLY" "SCHEMA;OUTPUT_DIRECTORY" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "wasl_add_plugin(${name}): SOURCES is required")
  endif()
  get_property(glue GLOBAL PROPERTY WASL_SDK_GLUE_SOURCES)
  get_property(headers GLOBAL PROPERTY WASL_SDK_HEADERS_TARGET)
  if(NOT headers)
    message(FATAL_ERROR "wasl_add_plugin(${name}): the Wasl SDK is not loaded; call find_package(WaslSDK)")
  endif()

  set(target wasl_plugin_${name})
  set_property(GLOBAL APPEND PROPERTY WASL_PLUGIN_TARGETS ${target})
  if(ARG_C_ABI_ONLY)
    add_library(${target} MODULE ${ARG_SOURCES})
  else()
    add_library(${target} MODULE ${ARG_SOURCES} ${glue})
    target_compile_features(${target} PRIVATE cxx_std_17)
  endif()
  target_link_libraries(${target} PRIVATE ${headers} ${ARG_LIBS})
  if(ARG_OUTPUT_DIRECTORY)
    set(out_dir ${ARG_OUTPUT_DIRECTORY})
  elseif(WASL_PLUGIN_OUTPUT_DIRECTORY)
    set(out_dir ${WASL_PLUGIN_OUTPUT_DIRECTORY})
  else()
    set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME wasl_${name}
    PREFIX "lib"
    LIBRARY_OUTPUT_DIRECTORY ${out_dir}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Every symbol resolved at link time; static parts kept private; only
    # wasl_plugin_* exported.
    get_property(version_script GLOBAL PROPERTY WASL_PLUGIN_VERSION_SCRIPT)
    target_link_options(${target} PRIVATE LINKER:--no-undefined LINKER:--exclude-libs,ALL
                        LINKER:--version-script=${version_script})
    set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${version_script})
  endif()
  if(ARG_SCHEMA)
    get_filename_component(schema ${ARG_SCHEMA} ABSOLUTE)
    add_custom_command(TARGET ${target} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -E copy_if_different ${schema} ${out_dir}/libwasl_${name}.schema.json
      VERBATIM)
  endif()
endfunction()
