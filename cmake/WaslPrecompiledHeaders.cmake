# Precompiled headers for every C++ target of the tree.
#
# Most sources include the standard library's containers, nlohmann/json,
# spdlog and the SDK's public headers, whose JSON conversions instantiate
# much of nlohmann/json in every source that includes them: parsing and
# instantiating those took most of a source's compile time (a Debug build
# with clang, CPU seconds without and with: hub/notifications/notifications.cpp
# 8.1 and 1.7, hub/claims/claim_actions.cpp 11.7 and 4.7, hub/workflow/engine.cpp
# 5.9 and 4.0). Two targets compile them once each, and every other C++
# target reuses one of the two:
# - wasl_pch_pic, a static library: the libraries and modules (-fPIC);
# - wasl_pch_pie, an executable: the executables (-fPIE; clang refuses a PCH
#   made with the other code model).
# The headers listed are the standard library's, the libraries' and the
# SDK's (which every part of the tree may include), never the hub's, so a
# plugin or a test sees nothing of the hub it did not include. A source
# still includes what it uses: scripts/check-tidy runs
# clang-tidy with the PCH options taken out of the compile commands, so a
# missing include is a finding there.
# WASL_PRECOMPILED_HEADERS=OFF builds without them; a GCC build has none.
option(WASL_PRECOMPILED_HEADERS "Compile the common library headers once per build" ON)

set(WASL_PCH_HEADERS
    <algorithm> <array> <atomic> <chrono> <condition_variable> <cstddef> <cstdint>
    <filesystem> <fstream> <functional> <map> <memory> <mutex> <optional> <set>
    <sstream> <string> <string_view> <thread> <unordered_map> <utility> <vector>
    <nlohmann/json.hpp> <spdlog/spdlog.h>
    <wasl/sdk/result.hpp> <wasl/sdk/types.hpp> <wasl/sdk/host.hpp> <wasl/sdk/timestamp.hpp>
    <wasl/sdk/json_budget.hpp> <wasl/sdk/billing.hpp> <wasl/sdk/notify.hpp> <wasl/sdk/video.hpp>
    <wasl/sdk/ehr.hpp>)

# wasl_collect_targets(<var> <dir>): the targets defined in <dir> and below.
function(wasl_collect_targets var dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    wasl_collect_targets(sub_targets ${sub})
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${var} ${targets} PARENT_SCOPE)
endfunction()

# wasl_precompile_all(): gives every C++-only library, module and executable
# of the tree one of the two precompiled headers. Called once, last.
function(wasl_precompile_all)
  if(NOT WASL_PRECOMPILED_HEADERS)
    return()
  endif()
  # Clang only. GCC (the release preset's compiler) refuses a PCH made with
  # definitions other than the source's (_XOPEN_SOURCE, …) and then reads
  # the header list as text: every source includes spdlog, nlohmann/json and
  # the SDK whether it uses them or not, and a plugin that links no libfmt
  # fails to link.
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    return()
  endif()
  set(stub ${CMAKE_BINARY_DIR}/wasl_pch/pch.cpp)
  file(WRITE ${stub} "// compiles the precompiled header of the tree's targets\n")
  file(WRITE ${CMAKE_BINARY_DIR}/wasl_pch/main.cpp "int main() { return 0; }\n")
  add_library(wasl_pch_pic STATIC ${stub})
  add_executable(wasl_pch_pie ${CMAKE_BINARY_DIR}/wasl_pch/main.cpp)
  foreach(pch wasl_pch_pic wasl_pch_pie)
    # Poco's and spdlog's compile definitions (_XOPEN_SOURCE, _FILE_OFFSET_BITS,
    # SPDLOG_FMT_EXTERNAL, …) as the sources that use them have, so a source
    # defines nothing the PCH defined differently; a source without them only
    # lacks definitions, which clang accepts.
    target_link_libraries(${pch} PRIVATE wasl_sdk_headers nlohmann_json::nlohmann_json
                          spdlog::spdlog Poco::Foundation)
    target_precompile_headers(${pch} PRIVATE ${WASL_PCH_HEADERS})
    set_target_properties(${pch} PROPERTIES EXCLUDE_FROM_ALL ON)
  endforeach()

  get_property(tree_options DIRECTORY ${CMAKE_SOURCE_DIR} PROPERTY COMPILE_OPTIONS)
  if(NOT tree_options)
    set(tree_options "options-NOTFOUND")
  endif()
  wasl_collect_targets(targets ${CMAKE_SOURCE_DIR})
  foreach(target ${targets})
    if(target MATCHES "^wasl_pch_")
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      set(from wasl_pch_pie)
    elseif(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY)$")
      set(from wasl_pch_pic)
    else()
      continue()
    endif()
    # Only targets of C++ sources alone (a C source would need a C PCH), with
    # the tree's options: clang refuses a PCH made at another optimisation
    # level or language standard (a target with options of its own, -O2 say,
    # or its own CXX_STANDARD, keeps compiling the headers itself).
    get_target_property(options ${target} COMPILE_OPTIONS)
    get_target_property(standard ${target} CXX_STANDARD)
    if(NOT "${options}" STREQUAL "${tree_options}" OR (standard AND NOT standard EQUAL 20))
      continue()
    endif()
    get_target_property(sources ${target} SOURCES)
    set(cxx_only TRUE)
    foreach(source ${sources})
      if(source MATCHES "\\.(c|s|S|asm)$")
        set(cxx_only FALSE)
      endif()
    endforeach()
    if(cxx_only)
      target_precompile_headers(${target} REUSE_FROM ${from})
    endif()
  endforeach()
endfunction()
